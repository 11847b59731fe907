"""gql-auth's seam into django-allauth.

allauth's account machinery (EmailAddress, its HMAC confirmation keys, its mail
rendering and rate limits) does the work; this adapter points its links at the
service's landing pages and makes its mails safe to send from an API request.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

logger = logging.getLogger(__name__)




# Sends mail after the answer has gone, so neither SMTP latency nor whether a
# mail was sent at all shows in response times. Not a daemon pool: the
# interpreter waits for queued mails before it exits.
mail_queue = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail")


def dispatch(message: EmailMessage) -> None:
    if settings.EMAIL_SEND_IN_BACKGROUND:
        mail_queue.submit(deliver, message)
    else:
        deliver(message)


def deliver(message: EmailMessage) -> None:
    """Send one mail; an outage is logged, never raised into the flow that asked for it."""
    try:
        message.send()
    except Exception:
        # The body holds a secret key: log what it was and to whom, never the body.
        logger.exception("Could not send email %r to %s", message.subject, message.to)


class AccountAdapter(DefaultAccountAdapter):
    # The links in emails: the contract's paths under PUBLIC_URL.
    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return f"{settings.PUBLIC_URL}/verify-email/{emailconfirmation.key}"

    def get_reset_password_from_key_url(self, key: str) -> str:
        return f"{settings.PUBLIC_URL}/reset-password/{key}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render now, send once the transaction commits, in the background.

        A rolled-back flow thus mails nothing, a mail outage cannot lose an
        account that was already saved (the person can ask for another email),
        and the answer does not wait for the mail server.
        """
        ctx = {
            "email": email,
            "site_name": settings.SITE_NAME,
            "public_url": settings.PUBLIC_URL,
            "expire_days": settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS,
            **context,
        }
        message = self.render_mail(template_prefix, email, ctx)
        transaction.on_commit(partial(dispatch, message), robust=True)

    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.SITE_NAME}] {subject}"

    def send_account_already_exists_mail(self, email: str) -> None:
        self.send_mail("account/email/account_already_exists", email, {})

    def add_message(self, *args, **kwargs) -> None:
        # An API has no page to flash messages on; storing them would set cookies.
        return None
