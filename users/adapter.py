"""gql-auth's seam into django-allauth.

allauth's account machinery (EmailAddress, its HMAC confirmation keys, its mail
rendering and rate limits) does the work; this adapter points its links at the
service's landing pages and makes its mails safe to send from an API request.
"""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.core.internal.httpkit import clean_client_ip
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.utils import translation

from users import user_agents
from users.languages import offered
from users.mail import queue
from users.models import AuthToken, User

# Stands for "no address known" (a Unix socket without a proxy): one shared bucket.
UNKNOWN_IP = "0.0.0.0"


def client_ip(request) -> str | None:
    """The caller's address as records keep it (a session's), None when unknown."""
    ip = get_adapter(request).get_client_ip(request)
    return None if ip == UNKNOWN_IP else ip


class AccountAdapter(DefaultAccountAdapter):
    def __init__(self, request=None) -> None:
        super().__init__(request)
        # allauth reads the request from its middleware's context variable; a flow
        # called outside a request's middleware (a script, a direct test) passes it.
        if self.request is None:
            self.request = request

    def get_client_ip(self, request) -> str:
        """The caller's address, worked out once per request for every limit and record.

        allauth's: the socket's address, or the X-Forwarded-For entry that the
        TRUSTED_PROXY_COUNT proxies wrote. An entry they did not write (the
        header too short, or not an address) means the request did not come
        through them: then the socket's address is the caller's, rather than a
        crash on every rate-limited flow.
        """
        ip = getattr(request, "_client_ip", None)
        if ip is None:
            try:
                ip = super().get_client_ip(request)
            except (PermissionDenied, ImproperlyConfigured):
                ip = clean_client_ip(request.META.get("REMOTE_ADDR") or "") or UNKNOWN_IP
            request._client_ip = ip
        return ip

    # The links in emails: the contract's paths under PUBLIC_URL.
    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        url = f"{settings.PUBLIC_URL}/verify-email/{emailconfirmation.key}"
        # A sign-up an application's authorization sent: the page offers to go back to it.
        continues_to = getattr(request, "verification_continues_to", "")
        return f"{url}?{urlencode({'next': continues_to})}" if continues_to else url

    def get_reset_password_from_key_url(self, key: str) -> str:
        return f"{settings.PUBLIC_URL}/reset-password/{key}"

    def get_unlock_account_url(self, key: str) -> str:
        return f"{settings.PUBLIC_URL}/unlock-account/{key}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render now, and queue the mail in the flow's transaction (users.mail):
        a rolled-back flow mails nothing, a committed one cannot lose its mail
        to a mail outage or a crash, and the answer never waits for the server."""
        ctx = {
            "email": email,
            "site_name": settings.SITE_NAME,
            "public_url": settings.PUBLIC_URL,
            "expire_days": settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS,
            **context,
        }
        # The recipient's language when the address's account chose one, else the request's.
        chosen = User.objects.filter(email=email).values_list("language", flat=True).first()
        with translation.override(offered(chosen) or translation.get_language() or settings.LANGUAGE_CODE):
            queue(self.render_mail(template_prefix, email, ctx))

    def send_notification_mail(self, template_prefix, user, context=None, email=None) -> None:
        """allauth's notices (time, IP, browser), with the browser described, not quoted."""
        described = {"user_agent": user_agents.describe(self.get_http_user_agent(self.request))}
        super().send_notification_mail(template_prefix, user, {**described, **(context or {})}, email)

    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.SITE_NAME}] {subject}"

    def send_confirmation_mail(self, request, emailconfirmation, signup: bool) -> None:
        """allauth's link mail; for a change of address (users/account.py) a mail
        that says so: an account asks to use this address."""
        address = emailconfirmation.email_address
        if signup or address.email == address.user.email:
            return super().send_confirmation_mail(request, emailconfirmation, signup)
        context = {
            "user": address.user,
            "current_email": address.user.email,
            "new_email": address.email,
            "activate_url": self.get_email_confirmation_url(request, emailconfirmation),
        }
        self.send_mail("account/email/email_change_confirmation", address.email, context)

    def send_account_already_exists_mail(self, email: str) -> None:
        self.send_mail("account/email/account_already_exists", email, {})

    def add_message(self, *args, **kwargs) -> None:
        # An API has no page to flash messages on; storing them would set cookies.
        return None

    def logout(self, request) -> None:
        """Signing out of the provider (RP-initiated logout) ends the hosted
        page's session: its token, and the cookie that holds it."""
        token = getattr(request, "auth", None)
        if isinstance(token, AuthToken):
            token.delete()
            request.session_ended = True  # provider.sessions clears the cookie
        super().logout(request)
