"""Staff operations on accounts: disableUser, enableUser, clearLoginLocks; and
the rule of who may act on whom, which the API and every admin path ask.

Each operation needs `users.change_user` (checked here, where the operation is,
so the admin's actions and the API share it) and is recorded with its actor.
No staff member acts with more privilege than its own (`may_change`,
`may_grant`, `may_set_password`): users/admin.py asks the same three.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext

from users import credentials
from users.cleaning import clean_id
from users.errors import InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from users.events import EventType, announce
from users.locking import lock_user
from users.models import User
from users.permissions import Permission

# What makes an account privileged: only a superuser gives it, to anyone (itself included).
GRANTING_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]


def may_change(actor: User, user: User) -> bool:
    """Whether `actor` may act on `user`'s account: a superuser on any; anyone
    else on an account holding no permission `actor` lacks (so never on a
    superuser's, nor on an operator's above it)."""
    if actor.is_superuser:
        return True
    if user.is_superuser:
        return False
    return user.pk == actor.pk or user.get_all_permissions() <= actor.get_all_permissions()


def may_grant(actor: User) -> bool:
    """Whether `actor` may give permissions, groups, staff or superuser status."""
    return actor.is_superuser


def may_set_password(actor: User, user: User) -> bool:
    """Whether `actor` may set `user`'s password without knowing it (the admin's
    "set password" form): a superuser only. Everyone changes their own through
    the form that asks for the current one."""
    return actor.is_superuser


def target(request: HttpRequest, user_id: str) -> tuple[User, User]:
    """(the staff member acting, the account acted on), or the refusal."""
    actor = request.user  # the API's token, or the admin's session
    if not actor.is_authenticated:
        raise NotAuthenticated()
    if not actor.has_perm(Permission.CHANGE_USER):
        raise PermissionDenied(
            gettext("This needs the %(permission)s permission.") % {"permission": Permission.CHANGE_USER}
        )
    pk = clean_id(user_id)
    user = User.objects.filter(pk=pk).first() if pk is not None else None
    if user is None:
        raise NotFound(gettext("No such user."), field="id")
    if not may_change(actor, user):
        # Help desk staff do not lock out, nor lift the locks of, the operators above them.
        raise PermissionDenied(gettext("Only a superuser acts on an account with more privilege than yours."))
    return actor, user


def disable_user(request: HttpRequest, user_id: str) -> None:
    """Deactivate the account: its sessions and the applications' tokens end at
    once (`User.save`), and its logins answer ACCOUNT_DISABLED."""
    actor, user = target(request, user_id)
    if user.pk == actor.pk:
        raise InvalidInput(gettext("You cannot disable your own account."), field="id")
    set_active(request, actor, user, False)


def enable_user(request: HttpRequest, user_id: str) -> None:
    actor, user = target(request, user_id)
    set_active(request, actor, user, True)


def set_active(request: HttpRequest, actor: User, user: User, active: bool) -> None:
    with transaction.atomic():
        lock_user(user, as_read=False)  # no login racing it keeps a session
        user.refresh_from_db(fields=["is_active"])
        if user.is_active == active:
            return
        user.is_active = active
        user.save(update_fields=["is_active"])
    announce(
        EventType.ACCOUNT_ENABLED if active else EventType.ACCOUNT_DISABLED, user=user, request=request, actor=actor
    )


def clear_login_locks(request: HttpRequest, user_id: str) -> None:
    """Lift the brute-force locks the service put on the account (Auth0's
    user-blocks), from every network."""
    actor, user = target(request, user_id)
    credentials.clear_locks(user)
    announce(EventType.LOGIN_LOCKS_CLEARED, user=user, request=request, actor=actor)
