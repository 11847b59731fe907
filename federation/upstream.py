"""Talking to an upstream OpenID Connect provider as its relying party: the
authorization request (PKCE S256, `state`, `nonce`), the code exchange, and the
ID token's checks (OpenID Connect Core 3.1.3.7), with PyJWT doing the JOSE.

allauth's `openid_connect` provider skips the signature of an ID token that
came from the token endpoint and sends no nonce (docs/design/external-login.md);
here every ID token is verified against the provider's JWKS, whatever channel
brought it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from federation.models import IdentityProvider

TIMEOUT_SECONDS = 5
SCOPES = "openid email profile"
# Asymmetric only: a symmetric ID token would be signed with the client secret,
# which this service does not keep in the clear for that.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
JWKS_SECONDS = 3600
LEEWAY_SECONDS = 60
SUBJECT_MAX_LENGTH = 191  # allauth's SocialAccount.uid


class UpstreamError(Exception):
    """The provider's answer cannot be trusted or used; the message says why, for
    the log and the page (it holds no secret)."""


@dataclass(frozen=True)
class Claims:
    subject: str
    email: str
    email_verified: bool


def challenge_of(verifier: str) -> str:
    """RFC 7636 4.2, S256."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def callback_url(provider: IdentityProvider) -> str:
    """The redirect URI to register at the provider."""
    return settings.PUBLIC_URL + reverse("external-login-callback", args=[provider.slug])


def authorization_url(provider: IdentityProvider, *, state: str, nonce: str, verifier: str, login_hint: str) -> str:
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": callback_url(provider),
        "scope": SCOPES,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge_of(verifier),
        "code_challenge_method": "S256",
    }
    if login_hint:
        params["login_hint"] = login_hint
    endpoint = provider.discovery["authorization_endpoint"]
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def exchange(provider: IdentityProvider, code: str, verifier: str) -> dict:
    """The token endpoint's answer to the code (RFC 6749 4.1.3, RFC 7636 4.5),
    the client authenticated by HTTP Basic, or in the form where the provider
    supports only that."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": callback_url(provider)}
    data["code_verifier"] = verifier
    auth = None
    methods = provider.discovery.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_basic" in methods:
        auth = (provider.client_id, provider.client_secret)
    else:
        data.update(client_id=provider.client_id, client_secret=provider.client_secret)
    try:
        answer = requests.post(
            provider.discovery["token_endpoint"],
            data=data,
            auth=auth,
            headers={"Accept": "application/json"},
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        tokens = answer.json()
    except (requests.RequestException, ValueError) as error:
        raise UpstreamError(f"The token endpoint did not answer: {type(error).__name__}.") from None
    if answer.status_code != 200 or not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
        error = tokens.get("error") if isinstance(tokens, dict) else None
        raise UpstreamError(f"The token endpoint refused the code ({answer.status_code}, {error!r}).")
    return tokens


def signing_key(provider: IdentityProvider, token: str):
    """The provider's key that signed `token`, from its JWKS (cached; fetched
    again once for a key id not seen, as keys rotate)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise UpstreamError("The ID token is not a JWT.") from None
    if header.get("alg") not in ALGORITHMS:
        raise UpstreamError(f"The ID token is signed with {header.get('alg')!r}, not an algorithm accepted here.")
    kid = header.get("kid")
    for fresh in (False, True):
        for key in jwks(provider, fresh=fresh):
            # Without a key id, the one key of the token's algorithm.
            if key.key_id == kid if kid is not None else key.algorithm_name == header["alg"]:
                return key
    raise UpstreamError("The ID token is signed by no key the provider publishes.")


def jwks(provider: IdentityProvider, *, fresh: bool) -> list[jwt.PyJWK]:
    cache_key = f"federation:jwks:{provider.pk}:{provider.discovery['jwks_uri']}"
    document = None if fresh else cache.get(cache_key)
    if document is None:
        try:
            answer = requests.get(provider.discovery["jwks_uri"], timeout=TIMEOUT_SECONDS, allow_redirects=False)
            answer.raise_for_status()
            document = answer.json()
        except (requests.RequestException, ValueError) as error:
            raise UpstreamError(f"The provider's keys could not be read: {type(error).__name__}.") from None
    try:
        keys = jwt.PyJWKSet.from_dict(document).keys if isinstance(document, dict) else None
    except jwt.PyJWTError:
        keys = None
    if keys is None:
        raise UpstreamError("The provider's key set is not one.")
    cache.set(cache_key, document, JWKS_SECONDS)  # only a set that parsed
    return [key for key in keys if key.public_key_use in (None, "sig")]


def verify_id_token(provider: IdentityProvider, token: str, nonce: str) -> dict:
    """The ID token's claims, if it is the provider's, for this client, current,
    and the answer to this sign-in (its nonce)."""
    key = signing_key(provider, token)
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=ALGORITHMS,
            audience=provider.client_id,
            issuer=provider.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
    except jwt.PyJWTError as error:
        raise UpstreamError(f"The ID token is refused: {error}.") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise UpstreamError("The ID token was issued to another party (azp).")
    if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"].encode(), nonce.encode()):
        raise UpstreamError("The ID token answers another sign-in (nonce).")
    return claims


def userinfo(provider: IdentityProvider, access_token: str, subject: str) -> dict:
    """The UserInfo endpoint's claims, where the ID token left out the address;
    its `sub` must be the ID token's (OpenID Connect Core 5.3.2)."""
    endpoint = provider.discovery.get("userinfo_endpoint")
    if not isinstance(endpoint, str) or not access_token:
        return {}
    try:
        answer = requests.get(
            endpoint,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        answer.raise_for_status()
        claims = answer.json()
    except (requests.RequestException, ValueError) as error:
        raise UpstreamError(f"The UserInfo endpoint did not answer: {type(error).__name__}.") from None
    if not isinstance(claims, dict) or claims.get("sub") != subject:
        raise UpstreamError("The UserInfo answer is about another subject.")
    return claims


def sign_in_claims(provider: IdentityProvider, code: str, verifier: str, nonce: str) -> Claims:
    """Who the provider says signed in, from its answer to this sign-in's code."""
    tokens = exchange(provider, code, verifier)
    claims = verify_id_token(provider, tokens["id_token"], nonce)
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject or len(subject) > SUBJECT_MAX_LENGTH:
        raise UpstreamError("The ID token's subject is not one this service can keep.")
    if "email" not in claims:
        claims = {**userinfo(provider, tokens.get("access_token") or "", subject), **claims}
    email = claims.get("email")
    if not isinstance(email, str) or not email:
        raise UpstreamError("The provider gave no email address.")
    return Claims(subject=subject, email=email, email_verified=claims.get("email_verified") is True)
