"""Field-level permission classes: the one module that decides who may read what.

Built on strawberry-django's permission extensions, which run the check around
the field's resolver. What differs is the denial: strawberry-django returns an
empty value or raises Django's PermissionDenied, while the contract wants the
field null and a GraphQL error whose `extensions.code` says why:
`NOT_AUTHENTICATED` for an anonymous caller, `PERMISSION_DENIED` otherwise.
A denied nullable field thus costs the caller that field alone.

Use them on any strawberry-django field (see README, "Permissions"):

    email: str | None = strawberry_django.field(extensions=[IsOwnerOrHasPerm("users.view_user")])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from graphql import GraphQLError
from strawberry.types import Info
from strawberry_django.auth.utils import get_current_user
from strawberry_django.permissions import DjangoNoPermission, DjangoPermissionExtension
from strawberry_django.resolvers import django_resolver

from users import services

NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
PERMISSION_DENIED = "PERMISSION_DENIED"


class Denied(GraphQLError):
    """A refusal the client may read: its message and code reach the answer."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def is_signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


class Permission(DjangoPermissionExtension):
    """Base class: subclasses say in `allows` whether `user` may resolve the field
    on `source`; anonymous callers are refused before `allows` is asked."""

    DEFAULT_ERROR_MESSAGE = "You may not see this."

    @django_resolver(qs_hook=None)
    def resolve_for_user(self, resolver: Callable, user, *, info: Info, source: Any):
        if not is_signed_in(user) or not self.allows(user, source):
            raise DjangoNoPermission
        return resolver()

    def allows(self, user, source: Any) -> bool:
        return True

    def handle_no_permission(self, exception: BaseException, *, info: Info):
        if not is_signed_in(get_current_user(info)):
            raise Denied("You need to be logged in.", NOT_AUTHENTICATED)
        raise Denied(self.message, PERMISSION_DENIED)


class IsAuthenticated(Permission):
    """Any caller with a valid token."""


class HasVerifiedEmail(Permission):
    """A caller whose email address is verified."""

    DEFAULT_ERROR_MESSAGE = "Verify your email address first."

    def allows(self, user, source: Any) -> bool:
        return services.is_verified(user)


def owner_id(source: Any, owner_field: str) -> Any:
    """The id of the user that owns `source`: a user owns itself."""
    if isinstance(source, get_user_model()):
        return source.pk
    return getattr(source, f"{owner_field}_id", None)


class IsOwner(Permission):
    """The user the object belongs to: the user itself, or the one its
    `owner_field` foreign key names. Not even superusers pass."""

    def __init__(self, owner_field: str = "user", **kwargs) -> None:
        super().__init__(**kwargs)
        self.owner_field = owner_field

    def allows(self, user, source: Any) -> bool:
        return owner_id(source, self.owner_field) == user.pk


class HasPerm(Permission):
    """Holders of every one of Django's permissions `perms` (superusers hold all)."""

    def __init__(self, *perms: str, **kwargs) -> None:
        if not perms:
            raise TypeError("HasPerm needs at least one permission")
        super().__init__(**kwargs)
        self.perms = perms

    def allows(self, user, source: Any) -> bool:
        return user.has_perms(self.perms)


class IsOwnerOrHasPerm(HasPerm):
    """The owner, or a holder of the permissions (staff with `users.view_user`)."""

    def __init__(self, *perms: str, owner_field: str = "user", **kwargs) -> None:
        super().__init__(*perms, **kwargs)
        self.owner_field = owner_field

    def allows(self, user, source: Any) -> bool:
        return owner_id(source, self.owner_field) == user.pk or super().allows(user, source)
