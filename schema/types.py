"""GraphQL object types and mutation payloads of the public contract."""

from __future__ import annotations

from datetime import datetime

import strawberry
import strawberry_django
from django.db.models import Prefetch
from strawberry.types import Info
from strawberry_django.utils.requests import get_request

from schema.errors import UserError
from schema.permissions import IsOwner, IsOwnerOrHasPerm
from users import models

VIEW_USER = "users.view_user"


@strawberry_django.type(models.AuthToken, name="Session")
class Session:
    """One issued token; the secret itself is never readable again."""

    id: strawberry.ID
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    user_agent: str | None
    ip_address: str | None

    @strawberry_django.field(description="The token this request was made with.")
    def current(self, root: models.AuthToken, info: Info) -> bool:
        token = getattr(get_request(info), "auth", None)
        return token is not None and token.pk == root.pk


@strawberry_django.type(models.User, name="User")
class User:
    id: strawberry.ID
    date_joined: datetime
    email: str | None = strawberry_django.field(
        extensions=[IsOwnerOrHasPerm(VIEW_USER)], description=f"The user itself, or staff holding {VIEW_USER}."
    )
    last_login: datetime | None = strawberry_django.field(
        extensions=[IsOwnerOrHasPerm(VIEW_USER)], description=f"The user itself, or staff holding {VIEW_USER}."
    )

    # Lists ask it in their own query (the optimizer annotates it); the caller's is
    # known from the token lookup, a login's from the login (users.models.User.email_verified).
    email_verified: bool = strawberry_django.field(annotate=models.email_verified())

    @strawberry_django.field(
        prefetch_related=[
            Prefetch(
                "auth_tokens",
                queryset=models.AuthToken.objects.live().order_by("-created_at"),
                to_attr="live_sessions",
            )
        ],
        extensions=[IsOwner()],
        description="The user's live sessions: the user itself only.",
    )
    def sessions(self, root: models.User) -> list[Session] | None:
        live = getattr(root, "live_sessions", None)
        if live is None:
            live = models.AuthToken.objects.live().filter(user=root).order_by("-created_at")
        return list(live)


@strawberry.type
class Result:
    success: bool
    errors: list[UserError]


@strawberry.type
class LoginResult:
    success: bool
    errors: list[UserError]
    token: str | None = strawberry.field(
        default=None,
        description='Shown once; send it as "Authorization: Token <token>".',
    )
    expires_at: datetime | None = None
    user: User | None = None
