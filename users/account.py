"""Account life: changeEmail and deleteAccount.

Changing the address is allauth's email management (ACCOUNT_CHANGE_EMAIL): the
new address is a second, unverified EmailAddress of the account, sent the
usual verification link (the same page and `verifyEmail`); the old one keeps
signing in until the new one is verified, then allauth makes the new one the
account's, removes the old and tells it (`email_changed`). Whether the new
address is taken is looked up after the answer, as `register` does: the
answer and its timing are the same, and a taken address's owner is told.

Deleting an account is immediate and whole: one transaction removes the user
row, and with it, by the database's own cascades, its sessions, factors,
addresses, pending logins and the tokens applications hold. Its security
events stay for auditors, with no account and no address or browser to them.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext

from users import credentials, ratelimits
from users.cleaning import clean_email
from users.errors import PermissionDenied
from users.events import EventType, announce
from users.jobs import job, origin, replayed
from users.languages import clean_language
from users.locking import lock_user
from users.mail import send_email_change_taken, within_mail_cooldown
from users.models import User
from users.sessions import current_token, recent_session


def change_email(request: HttpRequest, new_email: str) -> None:
    """Mail a verification link to `new_email` for the caller's account (a
    recent login or reauthenticate needed); it becomes the sign-in address once
    verified. A taken address answers the same, and its owner gets a notice."""
    user = recent_session(request).user
    new_email = clean_email(new_email, field="newEmail")
    ratelimits.hit(request, "change_email")
    request_change.enqueue(origin(request), user.pk, new_email)


@job
def request_change(origin: dict, user_id: int, new_email: str) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or new_email == user.email:
        return
    with replayed(origin) as request:
        change_requested(request, user, new_email)


def change_requested(request: HttpRequest, user: User, new_email: str) -> None:
    # Its own cooldown, apart from sign-up's: a change cannot silence a registration's mail.
    may_mail = within_mail_cooldown(request, "email_change", new_email)
    if User.objects.filter(email=new_email).exists():
        if may_mail:
            send_email_change_taken(request, new_email)
    else:
        with transaction.atomic():
            # One change at a time: a newer request replaces a pending one (asking
            # again for the same address keeps its row, and the link already sent).
            EmailAddress.objects.filter(user=user, verified=False).exclude(email__in=[user.email, new_email]).delete()
            address, _ = EmailAddress.objects.get_or_create(
                user=user, email=new_email, defaults={"primary": False, "verified": False}
            )
        if may_mail:
            address.send_confirmation(request, signup=False)  # users.adapter: the change's own mail
    announce(EventType.EMAIL_CHANGE_REQUESTED, user=user, request=request)


def delete_account(request: HttpRequest) -> None:
    """Delete the caller's account (a recent login or reauthenticate needed),
    and send its address a last notice."""
    user = recent_session(request).user
    if user.is_staff or user.is_superuser:
        # Their admin history (Django's LogEntry) would go with them: another
        # administrator removes staff accounts.
        raise PermissionDenied(gettext("A staff account is deleted by another administrator, in the admin."))
    with transaction.atomic():
        # Serialised with logins: one waiting on this row finds no account after.
        lock_user(user, as_read=False)
        announce(EventType.ACCOUNT_DELETED, user=user, request=request)  # kept without it (audit.receivers)
        # The organisation's applications are not the account's to take with it.
        Client.objects.filter(owner=user).update(owner=None)
        email = user.email
        user.delete()
    cache.delete(credentials.generation_key(email))
    get_adapter(request).send_notification_mail("account/email/account_deleted", user, email=email)


def set_language(request: HttpRequest, language: str) -> None:
    """The caller's language for pages and mails: one of LANGUAGES."""
    user = current_token(request).user
    user.language = clean_language(language)
    User.objects.filter(pk=user.pk).update(language=user.language)
