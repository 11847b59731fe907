"""Field-level permission classes: the one module that decides who may read what.

strawberry-django's permission extensions, which run the check around the
field's resolver, with one change (`CodedDenial`): strawberry-django returns an
empty value or raises Django's PermissionDenied, while the contract wants the
field null and a GraphQL error whose `extensions.code` says why:
`NOT_AUTHENTICATED` for an anonymous caller, `PERMISSION_DENIED` otherwise.
A denied nullable field thus costs the caller that field alone. None prints a
directive in the public SDL: the field's description says who may read it.

Use them on any strawberry-django field (docs/applications.md, "Permissions"), naming the
permission from `users.permissions.Permission`:

    email: str | None = strawberry_django.field(extensions=[IsOwnerOrHasPerm(Permission.VIEW_USER)])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry_django.permissions as library
from django.contrib.auth import get_user_model
from strawberry.types import Info
from strawberry_django.auth.utils import get_current_user
from strawberry_django.permissions import DjangoNoPermission
from strawberry_django.resolvers import django_resolver

from schema.errors import CodedError
from users import errors


def is_signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


class CodedDenial(library.DjangoPermissionExtension):
    """The contract's denial, mixed into strawberry-django's extensions."""

    DEFAULT_ERROR_MESSAGE = errors.PermissionDenied.default_message
    asks_allows = False

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        # An `allows` that is never asked would grant what its author meant to refuse.
        if "allows" in cls.__dict__ and not cls.asks_allows:
            raise TypeError(f"{cls.__name__}.allows is never asked: subclass Permission or IsOwner instead")

    def __init__(self, *args, use_directives: bool = False, **kwargs) -> None:
        super().__init__(*args, use_directives=use_directives, **kwargs)

    def handle_no_permission(self, exception: BaseException, *, info: Info):
        if not is_signed_in(get_current_user(info)):
            raise CodedError(errors.NotAuthenticated())
        raise CodedError(errors.PermissionDenied(self.message))


class IsAuthenticated(CodedDenial, library.IsAuthenticated):
    """Any caller with a valid token."""


class HasPerm(CodedDenial, library.HasPerm):
    """Holders of Django's permissions `perms` (superusers hold all): every one of
    them, unlike strawberry-django's default of any one, unless `any_perm=True`.
    strawberry-django's other options (an app label for any of its permissions,
    `target`, `with_superuser`) work as it documents them."""

    def __init__(self, *perms: str, any_perm: bool = False, **kwargs) -> None:
        super().__init__(list(perms), any_perm=any_perm, **kwargs)


class Permission(CodedDenial):
    """The project's own rules: subclasses say in `allows` whether `user` may
    resolve the field on `source`; anonymous callers are refused before it is asked."""

    asks_allows = True

    @django_resolver(qs_hook=None)
    def resolve_for_user(self, resolver: Callable, user, *, info: Info, source: Any):
        if not is_signed_in(user) or not self.allows(user, source):
            raise DjangoNoPermission
        return resolver()

    def allows(self, user, source: Any) -> bool:
        return True


class HasVerifiedEmail(Permission):
    """A caller whose email address is verified."""

    DEFAULT_ERROR_MESSAGE = "Verify your email address first."

    def allows(self, user, source: Any) -> bool:
        return user.email_verified


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


class IsOwnerOrHasPerm(HasPerm):
    """The owner, or a holder of the permissions (staff with `users.view_user`)."""

    def __init__(self, *perms: str, owner_field: str = "user", **kwargs) -> None:
        super().__init__(*perms, **kwargs)
        self.owner_field = owner_field

    # Not wrapped by django_resolver as the library's checks are: the GraphQL view is
    # sync, so the wrapper's choice between sync and async, made by raising and
    # catching an exception on every field it guards, is always the same (issue #30);
    # the staff check below is the library's own, wrapped.
    def resolve_for_user(self, resolver: Callable, user, *, info: Info, source: Any):
        if is_signed_in(user) and owner_id(source, self.owner_field) == user.pk:
            return resolver()
        return super().resolve_for_user(resolver, user, info=info, source=source)
