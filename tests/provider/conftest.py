"""Helpers for the provider's tests: a registered client, a browser-like Django
test client signed in on the hosted page, and the authorization code flow's
requests (tests/browser/test_oidc.py runs the same flow with a real client
library in Chromium)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.test import Client

from provider import clients
from tests.documents import STRONG_PASSWORD

REDIRECT_URI = "https://app.example.org/callback"


@dataclass
class Registered:
    client_id: str
    client_secret: str | None


@pytest.fixture
def register(db):
    def make(**options) -> Registered:
        options.setdefault("name", "Example app")
        options.setdefault("redirect_uris", [REDIRECT_URI])
        client, secret = clients.create(**options)
        return Registered(client.id, secret)

    return make


@pytest.fixture
def app(register) -> Registered:
    """A confidential, first-party client with the code and refresh grants."""
    return register(grants=["authorization_code", "refresh_token", "client_credentials"])


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def sign_in(browser: Client, email: str = "ada@example.com", password: str = STRONG_PASSWORD, **extra):
    return browser.post("/login", {"step": "password", "email": email, "password": password, **extra})


def authorize(browser: Client, app: Registered, challenge: str | None = None, **params):
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid email",
        "state": "st-1",
        "nonce": "n-1",
        **params,
    }
    if challenge:
        query.update(code_challenge=challenge, code_challenge_method="S256")
    return browser.get("/identity/o/authorize", query)


def code_from(response) -> str:
    assert response.status_code == 302, response.content[:500]
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    params = parse_qs(location.query)
    assert params["state"] == ["st-1"]
    return params["code"][0]


def exchange(app: Registered, code: str, verifier: str | None = None, **extra):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, **extra}
    if verifier:
        data["code_verifier"] = verifier
    return token_request(app, data)


def token_request(app: Registered, data: dict):
    auth = {}
    if app.client_secret:
        basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
        auth["HTTP_AUTHORIZATION"] = f"Basic {basic}"
    else:
        data = {"client_id": app.client_id, **data}
    return Client().post("/identity/o/api/token", data, **auth)


def introspect(app: Registered, token: str, authenticated: bool = True):
    headers = {}
    if authenticated:
        basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
        headers["HTTP_AUTHORIZATION"] = f"Basic {basic}"
    return Client().post("/identity/o/api/introspect", {"token": token}, **headers)


def verify(token: str, audience: str | None = None) -> dict:
    """Check a JWT as a resource server would: against the published keys."""
    from django.conf import settings

    jwks = Client().get("/.well-known/jwks.json").json()
    header = jwt.get_unverified_header(token)
    (jwk,) = [key for key in jwks["keys"] if key["kid"] == header["kid"]]
    return jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=["RS256"],
        issuer=settings.PUBLIC_URL,
        audience=audience,
        options={"verify_aud": audience is not None},
    )


@pytest.fixture
def signed_in_browser(make_user) -> Client:
    make_user()
    browser = Client()
    assert sign_in(browser).status_code == 302
    return browser


def tokens_given(**filters):
    """The access and refresh tokens allauth holds (its codes are rows of the same table)."""
    from allauth.idp.oidc.models import Token

    return Token.objects.filter(type__in=[Token.Type.ACCESS_TOKEN, Token.Type.REFRESH_TOKEN], **filters)


def revoke(app: Registered, token: str):
    basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
    return Client().post("/identity/o/api/revoke", {"token": token}, HTTP_AUTHORIZATION=f"Basic {basic}")
