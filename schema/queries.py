from __future__ import annotations

import strawberry
import strawberry_django
from django.db.models import QuerySet
from django.utils.translation import gettext
from strawberry.types import Info
from strawberry_django.utils.requests import get_request

from audit.models import SecurityEvent as SecurityEventModel
from federation import flows as federation
from schema.errors import CodedError
from schema.paging import MAX_OFFSET, MAX_PAGE, newest_events, window
from schema.permissions import HasPerm
from schema.types import (
    IdentityProvider,
    SecurityEvent,
    SecurityEventType,
    User,
)
from users import models
from users.cleaning import clean_id, is_text
from users.errors import InvalidInput
from users.permissions import Permission

DEFAULT_PAGE = 50


@strawberry.type
class Query:
    @strawberry.field(description="The identity providers people may sign in through (public).")
    def identity_providers(self) -> list[IdentityProvider]:
        return [IdentityProvider.of(provider) for provider in federation.providers()]

    @strawberry.field(description="The caller; null when the request carries no valid token.")
    def me(self, info: Info) -> User | None:
        user = get_request(info).user
        return user if user.is_authenticated else None

    @strawberry_django.field(
        extensions=[HasPerm(Permission.VIEW_USER)],
        description=(
            f"Accounts by email address, oldest first; needs {Permission.VIEW_USER}. `first` is capped at {MAX_PAGE}."
        ),
    )
    def users(self, first: int | None = DEFAULT_PAGE, offset: int | None = 0, search: str | None = None) -> list[User]:
        rows = window(first, offset, DEFAULT_PAGE)
        if search is not None and not is_text(search):
            raise CodedError(InvalidInput(gettext("search holds characters that are not text.")))
        accounts: QuerySet[models.User] = models.User.objects.order_by("date_joined", "pk")
        if search and search.strip():
            accounts = accounts.filter(email__icontains=search.strip())
        return accounts[rows]

    @strawberry_django.field(
        extensions=[HasPerm(Permission.VIEW_SECURITY_EVENT)],
        description=f"Security events of every account, newest first; needs {Permission.VIEW_SECURITY_EVENT}. "
        f"`first` is capped at {MAX_PAGE}, `offset` at {MAX_OFFSET}; `after` (the id of the last event of "
        "the page before) pages on at any depth for the same cost.",
    )
    def audit_events(
        self,
        first: int | None = DEFAULT_PAGE,
        offset: int | None = 0,
        user_id: strawberry.ID | None = None,
        type: SecurityEventType | None = None,  # noqa: A002 (the contract's name)
        after: strawberry.ID | None = None,
    ) -> list[SecurityEvent]:
        where = {}
        if after is not None:
            pk = clean_id(after)
            last = SecurityEventModel.objects.filter(pk=pk).only("created_at").first() if pk is not None else None
            if last is None:
                raise CodedError(InvalidInput(gettext("after is not the id of an event."), field="after"))
            where["after"] = last
        if user_id is not None:
            where["user_id"] = clean_id(user_id)
            if where["user_id"] is None:
                return []  # no account has it
        if type is not None:
            where["type"] = type.value
        return newest_events(first, offset, DEFAULT_PAGE, **where)
