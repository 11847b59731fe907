from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.context import request_of
from schema.types import User


@strawberry.type
class Query:
    @strawberry.field(description="The caller; null when the request carries no valid token.")
    def me(self, info: Info) -> User | None:
        user = request_of(info).user
        return user if user.is_authenticated else None
