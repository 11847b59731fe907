"""Passwords: requestPasswordReset, resetPassword, changePassword.

Every check of a current password passes `users.credentials.check`; every
change of one ends the account's other sessions (`User.save`).
"""

from __future__ import annotations

from allauth.account.models import EmailConfirmationHMAC
from allauth.account.signals import password_changed, password_reset
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext

from users import credentials, ratelimits, reset_keys
from users.cleaning import clean_all, clean_email, clean_key, clean_new_password, clean_password
from users.errors import ExpiredKey, InvalidCredentials, InvalidKey, NotAuthenticated
from users.events import EventType, announce
from users.jobs import job, origin, replayed
from users.locking import lock_user
from users.mail import send_password_changed, send_reset_link, within_mail_cooldown
from users.models import AuthToken, User, own_address
from users.reset_keys import Verdict
from users.sessions import current_token


def request_password_reset(request: HttpRequest, email: str) -> None:
    """Mail a reset link to an active account; answer the same for any address,
    in the same time: the lookup, the key and the mail are a queued job."""
    email = clean_email(email)
    ratelimits.hit(request, "request_password_reset")
    mail_reset_link.enqueue(origin(request), email)


@job
def mail_reset_link(origin: dict, email: str) -> None:
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None:
        return
    with replayed(origin) as request:
        if within_mail_cooldown(request, "password_reset", email):
            send_reset_link(request, user, reset_keys.make_key(user))
            announce(EventType.PASSWORD_RESET_REQUESTED, user=user, request=request)


def reset_password(request: HttpRequest, key: str, new_password: str) -> None:
    """Set a new password with an emailed key, which this consumes.

    Every token of the account ends (`User.save` sees to it: whoever resets may
    be fleeing an intruder), and it verifies the address the key was sent to:
    opening the mail proved it. The user row is locked while the key is checked
    and spent, so of concurrent resets with one key exactly one succeeds.
    """
    key, new_password = clean_all(
        lambda: clean_key(key),
        lambda: clean_password(new_password, field="newPassword"),
    )
    ratelimits.hit(request, "reset_password")
    user_id = reset_keys.user_id(key)
    if user_id is None:
        raise InvalidKey(field="key")
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
        if user is None:
            raise InvalidKey(field="key")
        verdict = reset_keys.check(user, key)
        if verdict is Verdict.EXPIRED:
            raise ExpiredKey(field="key")
        if verdict is not Verdict.VALID:
            raise InvalidKey(field="key")
        clean_new_password(new_password, user, field="newPassword")
        user.set_password(new_password)
        user.save(update_fields=["password"])
        address = own_address(user)
        if not address.verified:
            EmailConfirmationHMAC(address).confirm(request)
        send_password_changed(request, user)
        password_reset.send(sender=User, request=request, user=user)


def change_password(request: HttpRequest, old_password: str, new_password: str) -> None:
    """Change the caller's password; every other session of the account ends."""
    token = current_token(request)
    ratelimits.hit(request, "change_password")
    old_password, new_password = clean_all(
        lambda: clean_password(old_password, field="oldPassword"),
        lambda: clean_password(new_password, field="newPassword"),
    )
    try:
        user = credentials.check(request, token.user.email, old_password)
    except InvalidCredentials:
        raise InvalidCredentials(gettext("The current password is wrong."), field="oldPassword") from None
    clean_new_password(new_password, user, field="newPassword")
    with transaction.atomic():
        # A reset or logoutAll that committed since the check wins: the password
        # checked must still be the account's, and this session still alive.
        lock_user(user)
        if not AuthToken.objects.filter(pk=token.pk).exists():
            raise NotAuthenticated()
        user.set_password(new_password, keep_session=token)
        user.save(update_fields=["password"])
        send_password_changed(request, user)
        password_changed.send(sender=User, request=request, user=user)
