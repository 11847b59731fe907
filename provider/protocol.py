"""The rules this service adds to allauth's authorization code flow.

- A redirect URI matches a registered one exactly (RFC 9700 2.1; only a
  loopback URI's port may differ, RFC 8252 7.3). allauth's own matcher lets the
  query and the host's case differ, which lets a request plant a second `code`.
- PKCE, when used, is S256 (discovery says so; `plain` would show the verifier
  to whoever sees the request), of RFC 7636's syntax: a challenge is 43
  characters of base64url, a verifier 43 to 128 unreserved characters; and a
  code issued without a challenge takes no verifier (a downgrade, RFC 9700 2.1.1).
- A code stands on the hosted session that signed the person in: redeemed while
  that session lives (so a password change, deactivation, `logoutAll` or
  signing out ends the codes it made too), once (a replay revokes what the
  first redemption gave, RFC 6749 4.1.2), carrying what the ID token says of
  that sign-in (`auth_time`, `amr`, `acr`: provider/assurance.py).
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

from allauth.core.internal.httpkit import extract_basic_auth
from allauth.idp.oidc import app_settings
from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Client, Token
from django.core.cache import cache

from provider import assurance, logout
from provider.models import GrantSession
from users.cache_keys import cache_key
from users.models import AuthToken

# A loopback redirect URI, as RFC 8252 7.3 writes them: its host, its port, the rest.
LOOPBACK_URI = re.compile(r"http://(127\.0\.0\.1|\[::1\])(?::([1-9]\d{0,4}))?([/?][^#]*)?")
PORTS = range(1, 65536)


# RFC 7636 4.1 and 4.2: what a verifier may be, and what SHA-256 of one looks like.
VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
S256_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")


def well_formed_challenge(challenge: str) -> bool:
    return S256_CHALLENGE.fullmatch(challenge) is not None


def unredeemed(code: str) -> Token | None:
    """allauth's row of a code not yet redeemed: read before the exchange, which deletes it."""
    return Token.objects.lookup(Token.Type.AUTHORIZATION_CODE, code) if code else None


def verifier_refused(issued: Token | None, verifier: str | None) -> bool:
    """Whether a token request's verifier must be refused whatever it proves:
    malformed, or sent for a code (`issued`) that had no challenge."""
    if verifier is None:
        return False
    with_challenge = issued is not None and isinstance(issued.data, dict) and bool(issued.data.get("pkce"))
    return VERIFIER.fullmatch(verifier) is None or not with_challenge


def redirect_uri_registered(client: Client, uri: str) -> bool:
    """`uri` is one of `client`'s, character for character; a loopback one may
    name any port (a native app listens where it can), and nothing else may
    differ, not even what a parser would skip (`http://evil\\@127.0.0.1/`)."""
    registered = client.get_redirect_uris()
    if uri in registered:
        return True
    asked = LOOPBACK_URI.fullmatch(uri)
    if asked is None or (asked.group(2) is not None and int(asked.group(2)) not in PORTS):
        return False
    for other in registered:
        known = LOOPBACK_URI.fullmatch(other)
        if known and known.group(1) == asked.group(1) and (known.group(3) or "") == (asked.group(3) or ""):
            return True
    return False


# A code's (an authorization code's or a device code's) binding and claim;
# the names keep their first spelling, which live cache entries carry.
def binding_key(code: str) -> str:
    return cache_key("authorization-code", code)


def redeemed_key(code: str) -> str:
    return cache_key("authorization-code-redeemed", code)


def code_in(location: str) -> str | None:
    """The code an authorization response hands the client, if it is one (in
    the query; a fragment too, though the endpoint refuses to answer there)."""
    parts = urlsplit(location)
    codes = parse_qs(parts.query).get("code") or parse_qs(parts.fragment).get("code")
    return codes[0] if codes else None


def bind(code: str, session: AuthToken, client_id: str, acr_values: str | None, lifetime: int | None = None) -> None:
    """Record which sign-in a new code stands on, for as long as the code lives
    (an authorization code's minute, or `lifetime` seconds: a device code's)."""
    cache.set(
        binding_key(code),
        {
            "session": session.pk,
            "user": session.user_id,
            "client": client_id,
            # The ID token's sid, by which a back-channel logout names this sign-in.
            "claims": {**assurance.claims(session, acr_values), "sid": logout.session_id(session.pk)},
        },
        timeout=(lifetime or app_settings.AUTHORIZATION_CODE_EXPIRES_IN) + 5,
    )


def given_through(bound: dict, grant_id: str | None) -> None:
    """Tie the grant a code was redeemed for to the sign-in that made the code."""
    if grant_id:
        GrantSession.objects.create(
            grant_id=grant_id,
            session_id=bound["session"],
            client_id=bound["client"],
            user_id=bound["user"],
            claims=claims_of(bound),
        )


def binding(code: str) -> dict | None:
    return cache.get(binding_key(code)) if code else None


def claims_of(bound: dict) -> dict:
    """What the ID token says of the sign-in a code stands on (a code bound
    before claims were kept, in the minute of a deploy, had its time alone)."""
    return bound.get("claims") or {"auth_time": bound["auth_time"]}


def session_lives(bound: dict) -> bool:
    return AuthToken.objects.live().filter(pk=bound["session"]).exists()


def first_redemption(code: str) -> bool:
    """Claim the code's one redemption; False when it was claimed already (an
    atomic add in the shared cache, so of two racing, one wins). Kept as long
    as the longest-lived code (a device code), so no replay outlives it."""
    lifetime = max(app_settings.AUTHORIZATION_CODE_EXPIRES_IN, app_settings.DEVICE_CODE_EXPIRES_IN)
    return cache.add(redeemed_key(code), True, timeout=lifetime + 5)


def was_redeemed(code: str) -> bool:
    return cache.get(redeemed_key(code)) is not None


def spend(code: str) -> None:
    """Use the code up: no later redemption finds the sign-in it stood on, nor
    allauth's row of it."""
    cache.delete(binding_key(code))
    Token.objects.by_value(code).filter(type=Token.Type.AUTHORIZATION_CODE).delete()


def asking_client(request) -> str | None:
    """The client a token request names: HTTP Basic's user, or `client_id`."""
    client_id, _ = extract_basic_auth(request.headers)
    return client_id or request.POST.get("client_id")


def issued_access_token(response) -> Token | None:
    return Token.objects.lookup(Token.Type.ACCESS_TOKEN, json.loads(response.content)["access_token"])


def revoke_issued(response) -> None:
    """Take back the tokens a token response carries, which it will not deliver."""
    body = json.loads(response.content)
    values = [body[name] for name in ("access_token", "refresh_token") if name in body]
    Token.objects.filter(hash__in=[get_adapter().hash_token(value) for value in values]).delete()


# What a grant is made of, and what an account holds at its applications besides: codes not yet redeemed.
TOKENS = [Token.Type.ACCESS_TOKEN, Token.Type.REFRESH_TOKEN]
HELD = [Token.Type.AUTHORIZATION_CODE, *TOKENS]


def revoke_tokens(user_id: int, client_id: str | None = None) -> None:
    """The codes, access and refresh tokens the account holds (at one client, if named)."""
    tokens_held = Token.objects.filter(user_id=user_id, type__in=HELD)
    (tokens_held if client_id is None else tokens_held.filter(client_id=client_id)).delete()


def revoke_grant(user_id: int, client_id: str, grant_id: str) -> None:
    """A grant's whole chain of access and refresh tokens (allauth's grant id);
    without one (tokens from before allauth kept it), all the client's."""
    tokens = Token.objects.filter(user_id=user_id, client_id=client_id, type__in=TOKENS)
    (tokens.filter(data__grant_id=grant_id) if grant_id else tokens).delete()


def revoke_what_it_gave(bound: dict) -> None:
    """A code used twice was stolen or replayed: what the account's sign-ins
    gave this client goes (all of it: tokens do not record their code)."""
    revoke_tokens(bound["user"], bound["client"])
