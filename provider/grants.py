"""What a person gave the organisation's applications: the grants they hold
(allauth's live tokens, by application), listed as `me.applications` and
revoked by `revokeApplication`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from allauth.idp.oidc.models import Token
from django.db import transaction
from django.db.models import Max, Min
from django.http import HttpRequest

from provider import protocol
from provider.models import SpentRefreshToken
from users.errors import NotFound
from users.events import EventType, announce
from users.models import User
from users.sessions import current_token


@dataclass(frozen=True)
class Grant:
    client_id: str
    name: str
    scopes: list[str]
    granted_at: datetime  # the oldest live token's issue
    last_used_at: datetime | None  # the newest: each refresh issues anew


def applications_of(user: User) -> list[Grant]:
    """The applications holding live tokens of `user`, most recently used first:
    two queries whatever their number."""
    tokens = Token.objects.valid().filter(user=user, type__in=protocol.TOKENS, client__isnull=False)
    times = {
        row["client_id"]: row
        for row in tokens.values("client_id", "client__name").annotate(first=Min("created_at"), last=Max("created_at"))
    }
    scopes: dict[str, set[str]] = {}
    for client_id, text in tokens.values_list("client_id", "scopes"):
        scopes.setdefault(client_id, set()).update(text.split())
    grants = [
        Grant(
            client_id=client_id,
            name=row["client__name"],
            scopes=sorted(scopes.get(client_id, ())),
            granted_at=row["first"],
            last_used_at=row["last"],
        )
        for client_id, row in times.items()
    ]
    return sorted(grants, key=lambda grant: grant.last_used_at, reverse=True)


def revoke_application(request: HttpRequest, client_id: str) -> None:
    """End every code and token the application holds for the caller. One it
    holds nothing for answers as one that does not exist."""
    user = current_token(request).user
    client_id = client_id if isinstance(client_id, str) else ""
    with transaction.atomic():
        held = Token.objects.filter(user=user, client_id=client_id, type__in=protocol.HELD)
        if not held.filter(type__in=protocol.TOKENS).valid().exists():
            raise NotFound("No application holds access to your account under that id.", field="id")
        held.delete()
        SpentRefreshToken.objects.filter(user=user, client_id=client_id).delete()
        announce(EventType.APPLICATION_REVOKED, user=user, request=request)
