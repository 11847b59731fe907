"""The account mails the flows send, each through the adapter (allauth's seam
for messages) and each after the answer (`users.background`)."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.http import HttpRequest

from users import ratelimits
from users.models import User


def within_mail_cooldown(request: HttpRequest, kind: str, email: str) -> bool:
    """Whether a mail of `kind` to `email` may go now, and count it: one per
    address per EMAIL_COOLDOWN_SECONDS, silently, so nobody floods an inbox
    through the API and nobody can stop its owner's mail either (a link sent
    for a stranger's request is in the owner's inbox and still valid)."""
    return ratelimits.allows(request, "account_mail", key=f"{kind}|{email}")


def send_verification(request: HttpRequest, address: EmailAddress, *, signup: bool) -> None:
    """Mail a fresh verification link, at most once per cooldown per address."""
    if within_mail_cooldown(request, "account", address.email):
        address.send_confirmation(request, signup=signup)


def send_already_registered(request: HttpRequest, email: str) -> None:
    """Tell the owner of `email` that someone tried to register it again."""
    if within_mail_cooldown(request, "account", email):
        get_adapter(request).send_account_already_exists_mail(email)


def send_email_change_taken(request: HttpRequest, email: str) -> None:
    """Tell the owner of `email` that another account asked to move to it (nothing changed)."""
    get_adapter(request).send_mail("account/email/email_change_taken", email, {"email": email})


def send_password_changed(request: HttpRequest, user: User) -> None:
    """Tell the owner, with when and from where, so a change they did not make stands out."""
    get_adapter(request).send_notification_mail("account/email/password_changed", user, email=user.email)


def send_reset_link(request: HttpRequest, user: User, key: str) -> None:
    adapter = get_adapter(request)
    url = adapter.get_reset_password_from_key_url(key)
    adapter.send_password_reset_mail(user, user.email, {"user": user, "password_reset_url": url})
