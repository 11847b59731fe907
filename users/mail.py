"""The account mails the flows send, each through the adapter (allauth's seam
for messages), and the outbox every mail goes through: a job per mail
(users.jobs), queued in the transaction of the change that causes it and
delivered by a worker, again and again while the mail server is away."""

from __future__ import annotations

import logging
import smtplib
from email.utils import make_msgid
from urllib.parse import urlsplit

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.http import HttpRequest

from users import ratelimits
from users.jobs import Refused, RetryLater, job
from users.models import User

logger = logging.getLogger(__name__)


def queue(message: EmailMessage) -> str:
    """Queue `message` for delivery; returns its Message-ID, which every attempt
    carries, so that a mail delivered twice (at least once) is one mail to a reader."""
    message.extra_headers.setdefault("Message-ID", make_msgid(domain=urlsplit(settings.PUBLIC_URL).hostname))
    deliver.enqueue(
        {
            "subject": message.subject,
            "body": message.body,
            "from": message.from_email,
            "to": list(message.to),
            "headers": dict(message.extra_headers),
            "subtype": message.content_subtype,
            "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
        }
    )
    return message.extra_headers["Message-ID"]


@job(atomic=False)
def deliver(mail: dict) -> None:
    """Send one queued mail. A refusal the server calls permanent (5xx) fails
    the job for staff to see; anything else (an outage, a 4xx) is tried again."""
    message = EmailMultiAlternatives(
        mail["subject"],
        mail["body"],
        mail["from"],
        mail["to"],
        headers=mail["headers"],
        alternatives=mail["alternatives"],
    )
    message.content_subtype = mail["subtype"]
    try:
        message.send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
        codes = [code for code, _ in error.recipients.values()] if hasattr(error, "recipients") else [error.smtp_code]
        if all(code >= 500 for code in codes):
            # The body holds a key: never logged; its Message-ID is.
            raise Refused(f"mail {mail['headers'].get('Message-ID')} refused: {codes}") from error
        raise RetryLater(f"mail server: {type(error).__name__} {codes}") from error
    except (OSError, smtplib.SMTPException) as error:
        logger.warning("Mail %s not sent yet: %s", mail["headers"].get("Message-ID"), type(error).__name__)
        raise RetryLater(f"mail server: {type(error).__name__}: {error}") from error


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
