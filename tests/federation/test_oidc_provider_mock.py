"""The external sign-in against an upstream nobody here wrote:
oidc-provider-mock (authlib's OpenID provider behind a Flask app), registered
by its discovery document like any issuer, its sign-in answered by its own
form. The second instance of this service is the other upstream
(tests/browser/test_external_login.py, tests/federation/test_guide.py)."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import oidc_provider_mock
import pytest
import requests

from federation import providers
from tests.federation.test_external_login import APP, COMPLETE, IDENTITIES

pytestmark = pytest.mark.django_db


@pytest.fixture
def mock_issuer(settings):
    settings.DEBUG = True  # its issuer is http on loopback, as development allows
    settings.CORS_ALLOWED_ORIGINS = ["http://app.example"]
    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


def test_a_sign_in_at_oidc_provider_mock_makes_and_signs_in_an_account(gql, mock_issuer):
    issuer = mock_issuer
    provider = providers.create(
        slug="mock",
        name="Mock",
        issuer=issuer,
        client_id="gql-auth",
        client_secret="any secret the mock takes",
        domains=[],
        trust_email=True,
    )
    assert provider.discovery["jwks_uri"] == f"{issuer}/jwks"
    claims = {"email": "lin@example.com", "email_verified": True, "name": "Lin"}
    assert requests.put(f"{issuer}/users/{quote('lin-1')}", json=claims, timeout=5).status_code == 204
    started = gql.client.get("/login/external/mock", {"next": APP})
    assert started.status_code == 302 and started.url.startswith(f"{issuer}/oauth2/authorize")
    authorized = requests.post(started.url, data={"sub": "lin-1"}, allow_redirects=False, timeout=5)
    back = urlsplit(authorized.headers["Location"])
    assert back.path == "/login/external/mock/callback" and "code" in parse_qs(back.query)
    landed = gql.client.get(f"{back.path}?{back.query}")
    assert landed.status_code == 302 and landed.url.startswith(APP + "?login_code="), landed.content[:500]
    code = parse_qs(urlsplit(landed.url).query)["login_code"][0]
    result = gql(COMPLETE, {"code": code})["completeExternalLogin"]
    assert result["user"] == {"email": "lin@example.com", "emailVerified": True}
    identities = gql(IDENTITIES, token=result["token"])["me"]["identities"]
    assert [(identity["provider"]["id"], identity["email"]) for identity in identities] == [("mock", "lin@example.com")]
