"""The one place that reads API tokens from requests, and writes the session cookie.

A DRF authentication class, so the organisation's other DRF services can list it
in DEFAULT_AUTHENTICATION_CLASSES and share gql-auth's tokens. The GraphQL view
calls it too (see `set_user_from_token`).

A token travels in the `Authorization` header, or, for browser apps that asked
for it at login (`cookie: true`), in an HttpOnly cookie that scripts cannot read.
The cookie is ambient (the browser sends it by itself), so it authenticates only
requests no other site can make a browser send (docs/security.md, "Cookie
sessions"): a POST whose body is JSON, a type no form and no "simple" request can
carry, whose `Origin`, when the browser sends one, is the service's own (the
origin the request itself was made to, as Django's CSRF check reads it) or a
listed one. Anything else carrying the cookie is anonymous.

Other services that list this class need none of gql-auth's settings
(users/app_settings.py); they read tokens from the header alone unless they
define the ones the cookie needs (`CORS_ALLOWED_ORIGINS`, `HTTPS`).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from users import token_lookup
from users.app_settings import app_settings
from users.errors import InvalidInput
from users.models import AuthToken, User, session_replaced
from users.origins import is_trusted


def is_https() -> bool:
    return app_settings.HTTPS


def session_cookie_name() -> str:
    # `__Host-`: the browser keeps it to this host, over https, for every path.
    return "__Host-gqlauth_session" if is_https() else "gqlauth_session"


def set_session_cookie(response: HttpResponseBase, secret: str, expires_at: datetime) -> None:
    """Hand the browser a session's token where its scripts cannot read it."""
    response.set_cookie(
        session_cookie_name(),
        secret,
        expires=expires_at,
        path="/",
        secure=is_https(),
        httponly=True,
        samesite="Lax",
    )


def replace_cookie_session(
    response: HttpResponseBase, token: AuthToken, secret: str, replaced: AuthToken | None
) -> None:
    """Hand the browser a new session in the cookie; the session the cookie held
    before (`replaced`, read before the login) ends, as no browser holds its secret
    any more: no orphan session is left behind."""
    set_session_cookie(response, secret, token.expires_at)
    if replaced is not None:
        session_replaced.send(sender=AuthToken, replaced=replaced, session=token)
        replaced.delete()


def clear_session_cookie(response: HttpResponseBase) -> None:
    response.delete_cookie(session_cookie_name(), path="/", samesite="Lax")


def check_cookie_can_be_kept(request) -> None:
    """A `SameSite=Lax` cookie is neither kept from nor sent with a cross-site
    request: a page on another site asking for one would get a login that
    silently holds no credential. Say so instead (browsers send Sec-Fetch-Site).
    A top-level navigation is no such request: the browser keeps the cookie set
    by the page it lands on, even one another site's redirect led to (back
    from an identity provider)."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site" and request.headers.get("Sec-Fetch-Mode") != "navigate":
        raise InvalidInput(
            gettext(
                "A cookie session needs the app on the same site as the service (such as "
                "app.example.org and auth.example.org). Log in without it and send the token."
            ),
            field="cookie",
        )


def cookie_session(request) -> AuthToken | None:
    """The session this request was authenticated by, if it came from the cookie."""
    token = getattr(request, "auth", None)
    return token if getattr(token, "from_cookie", False) else None


def cookie_is_stale(request) -> bool:
    """The request carried the cookie where it may authenticate, and it did not."""
    return (
        session_cookie_name() in request.COOKIES
        and getattr(request, "auth", None) is None
        and cookie_may_authenticate(request)
    )


def cookie_may_authenticate(request) -> bool:
    """Whether this request is one that only the service's own pages, or a listed
    origin's, can make a browser send with the cookie."""
    media_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if request.method != "POST" or media_type != "application/json":
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return is_trusted(origin, own=f"{request.scheme}://{request.get_host()}")


class TokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>` (DRF's keyword) or `Authorization: Bearer <key>`;
    without that header, the session cookie under the rules above."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request) -> tuple[User, AuthToken] | None:
        parts = get_authorization_header(request).split()
        if not parts:
            return self.authenticate_cookie(request) if cookie_may_authenticate(request) else None
        if parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token header.") from None
        return self.authenticate_secret(secret)

    def authenticate_cookie(self, request) -> tuple[User, AuthToken] | None:
        """The session the cookie names, whatever the request (the API applies
        `cookie_may_authenticate` first; the hosted pages need no such gate)."""
        secret = request.COOKIES.get(session_cookie_name())
        if not secret:
            return None
        user, token = self.authenticate_secret(secret)
        token.from_cookie = True  # logout clears the cookie only for its own session
        return user, token

    def authenticate_secret(self, secret: str) -> tuple[User, AuthToken]:
        token = token_lookup.live_token(secret)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 with WWW-Authenticate rather than 403.
        return "Token"


def set_user_from_token(request: HttpRequest) -> None:
    """Set `request.user` and `request.auth` from the token alone.

    Any token failure leaves the request anonymous rather than refusing it, so a
    stale token never blocks `login` or `register`. Django's session cookie is
    ignored on purpose: the GraphQL endpoint is exempt from CSRF, which is only
    safe if no ambient credential can act there but the session cookie under
    the rules of `cookie_may_authenticate`.
    """
    try:
        result = TokenAuthentication().authenticate(request)
    except exceptions.AuthenticationFailed:
        result = None
    request.user, request.auth = result if result else (AnonymousUser(), None)
