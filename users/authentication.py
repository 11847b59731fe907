"""The one place that reads API tokens from requests.

A DRF authentication class, so the organisation's other DRF services can list it
in DEFAULT_AUTHENTICATION_CLASSES and share gql-auth's tokens. The GraphQL view
calls it too (see `set_user_from_token`).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from users import token_lookup
from users.models import AuthToken, User


class TokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>` (DRF's keyword) or `Authorization: Bearer <key>`."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request) -> tuple[User, AuthToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token header.") from None
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
    stale token never blocks `login` or `register`. Session cookies are ignored on
    purpose: the GraphQL endpoint is exempt from CSRF, which is only safe if no
    ambient credential can act there.
    """
    try:
        result = TokenAuthentication().authenticate(request)
    except exceptions.AuthenticationFailed:
        result = None
    request.user, request.auth = result if result else (AnonymousUser(), None)
