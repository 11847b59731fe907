"""The rules this service adds to allauth's authorization code flow.

- A redirect URI matches a registered one exactly (RFC 9700 2.1; only a
  loopback URI's port may differ, RFC 8252 7.3). allauth's own matcher lets the
  query and the host's case differ, which lets a request plant a second `code`.
- PKCE, when used, is S256 (discovery says so; `plain` would show the verifier
  to whoever sees the request).
- A code stands on the hosted session that signed the person in: redeemed while
  that session lives (so a password change, deactivation, `logoutAll` or
  signing out ends the codes it made too), once (a replay revokes what the
  first redemption gave, RFC 6749 4.1.2), carrying that sign-in's time as the
  ID token's `auth_time`.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from allauth.idp.oidc import app_settings
from allauth.idp.oidc.models import Client, Token
from django.core.cache import cache

from users import tokens
from users.models import AuthToken

LOOPBACK = {"127.0.0.1", "::1"}


def redirect_uri_registered(client: Client, uri: str) -> bool:
    """`uri` is one of `client`'s, character for character; on a loopback host
    any port (a native app listens where it can)."""
    registered = client.get_redirect_uris()
    if uri in registered:
        return True
    parts = urlsplit(uri)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK:
        return False

    def all_but_port(p):
        return p.scheme, p.hostname, p.path, p.query, p.fragment

    return any(all_but_port(urlsplit(other)) == all_but_port(parts) for other in registered)


def binding_key(code: str) -> str:
    return f"provider.code[{tokens.digest(code)}]"


def redeemed_key(code: str) -> str:
    return f"provider.code.redeemed[{tokens.digest(code)}]"


def code_in(location: str) -> str | None:
    """The code an authorization response hands the client, if it is one."""
    codes = parse_qs(urlsplit(location).query).get("code")
    return codes[0] if codes else None


def bind(code: str, session: AuthToken, client_id: str) -> None:
    """Record which sign-in a new code stands on, for as long as the code lives."""
    cache.set(
        binding_key(code),
        {
            "session": session.pk,
            "user": session.user_id,
            "client": client_id,
            "auth_time": int(session.authenticated_at.timestamp()),
        },
        timeout=app_settings.AUTHORIZATION_CODE_EXPIRES_IN + 5,
    )


def binding(code: str) -> dict | None:
    return cache.get(binding_key(code)) if code else None


def session_lives(bound: dict) -> bool:
    return AuthToken.objects.live().filter(pk=bound["session"]).exists()


def first_redemption(code: str) -> bool:
    """Claim the code's one redemption; False when it was claimed already (an
    atomic add in the shared cache, so of two racing, one wins)."""
    return cache.add(redeemed_key(code), True, timeout=app_settings.AUTHORIZATION_CODE_EXPIRES_IN + 5)


def was_redeemed(code: str) -> bool:
    return cache.get(redeemed_key(code)) is not None


def revoke_what_it_gave(bound: dict) -> None:
    """A code used twice was stolen or replayed: what the account's sign-ins
    gave this client goes (all of it: tokens do not record their code)."""
    Token.objects.filter(
        user_id=bound["user"],
        client_id=bound["client"],
        type__in=[Token.Type.ACCESS_TOKEN, Token.Type.REFRESH_TOKEN],
    ).delete()
