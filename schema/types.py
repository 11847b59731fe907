"""GraphQL object types and mutation payloads of the public contract."""

from __future__ import annotations

from datetime import datetime

import strawberry
import strawberry_django

from schema.errors import UserError
from users import models, services


@strawberry_django.type(models.User, name="User")
class User:
    id: strawberry.ID
    email: str | None
    date_joined: datetime
    last_login: datetime | None

    @strawberry_django.field
    def email_verified(self, root: models.User) -> bool:
        return services.is_verified(root)


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
