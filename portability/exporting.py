"""manage.py export_users: every account as a row of Auth0's bulk-import
schema (portability/auth0.py), newline-delimited, read in chunks so memory
stays flat. Password hashes only when asked."""

from __future__ import annotations

import json
from collections.abc import Iterator

from portability.auth0 import exported_hash
from portability.models import Profile
from users.models import User, email_verified

CHUNK = 2000


def exported(user: User, *, with_password_hashes: bool) -> dict:
    profile: Profile | None = getattr(user, "imported_profile", None)
    row = {
        "email": user.email,
        "email_verified": user.email_verified,
        "user_id": profile.source_id if profile is not None and profile.source_id else f"gql-auth|{user.pk}",
        "blocked": not user.is_active,
    }
    if profile is not None:
        for key in ("given_name", "family_name", "name"):
            if getattr(profile, key):
                row[key] = getattr(profile, key)
        for key in ("user_metadata", "app_metadata"):
            if getattr(profile, key):
                row[key] = getattr(profile, key)
    if with_password_hashes and user.has_usable_password():
        custom = exported_hash(user.password)
        if custom is not None:
            row["custom_password_hash"] = custom
    return row


def export_rows(*, with_password_hashes: bool = False) -> Iterator[str]:
    users = User.objects.annotate(email_verified=email_verified()).select_related("imported_profile").order_by("pk")
    for user in users.iterator(chunk_size=CHUNK):
        yield json.dumps(exported(user, with_password_hashes=with_password_hashes), ensure_ascii=False)
