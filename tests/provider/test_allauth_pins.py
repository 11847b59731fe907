"""What allauth.idp.oidc itself guarantees and this service relies on, pinned so
that an upgrade of django-allauth cannot change it silently (docs/dependencies.md).
Where this service adds its own rule on top (provider/protocol.py), the rule is
taken away here, so each test sees allauth alone."""

from __future__ import annotations

import pytest
from allauth.idp.oidc.models import Token

from provider import protocol
from tests.provider.conftest import REDIRECT_URI, authorize, code_from, exchange, pkce, revoke, tokens_given

pytestmark = pytest.mark.django_db


@pytest.fixture
def without_our_code_rules(monkeypatch):
    """This service's claim, replay revocation and spending, taken away."""
    monkeypatch.setattr(protocol, "first_redemption", lambda code: True)
    monkeypatch.setattr(protocol, "was_redeemed", lambda code: False)
    monkeypatch.setattr(protocol, "spend", lambda code: None)


def test_allauth_redeems_a_code_once_and_a_reuse_revokes_its_grant(
    app, signed_in_browser, without_our_code_rules, django_capture_on_commit_callbacks
):
    """65.22: codes are rows claimed atomically; RFC 6749 10.5 on reuse (once
    the reuse commits)."""
    code = code_from(authorize(signed_in_browser, app))
    first = exchange(app, code)
    assert first.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        again = exchange(app, code)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    assert not tokens_given().exists()


def test_allauth_checks_the_verifier_and_the_redirect_uri_at_the_exchange(
    register, signed_in_browser, without_our_code_rules
):
    app = register(redirect_uris=[REDIRECT_URI, "https://app.example.org/other"])
    verifier, challenge = pkce()
    code = code_from(authorize(signed_in_browser, app, challenge))
    assert exchange(app, code, pkce()[0]).json()["error"] == "invalid_grant"
    assert exchange(app, code).status_code == 400  # the challenge asks for a verifier
    assert exchange(app, code, verifier, redirect_uri="https://app.example.org/other").status_code == 400
    assert not tokens_given().exists()
    assert exchange(app, code, verifier).status_code == 200  # only this service's rule spends it


def test_allauth_keeps_a_code_as_a_digest_only(app, signed_in_browser):
    code = code_from(authorize(signed_in_browser, app))
    row = Token.objects.get(type=Token.Type.AUTHORIZATION_CODE)
    assert code not in row.hash and row.expires_at is not None


def test_a_client_revokes_only_its_own_tokens(app, register, signed_in_browser):
    """65.22: revocation is restricted to the tokens of the authenticated client."""
    other = register(name="Other", grants=["client_credentials"], redirect_uris=[])
    tokens = exchange(app, code_from(authorize(signed_in_browser, app))).json()
    assert revoke(other, tokens["refresh_token"]).status_code == 200  # RFC 7009: no word either way
    assert tokens_given(client_id=app.client_id).count() == 2


def test_revoking_a_refresh_token_revokes_the_access_tokens_of_its_grant(app, signed_in_browser):
    tokens = exchange(app, code_from(authorize(signed_in_browser, app))).json()
    assert revoke(app, tokens["refresh_token"]).status_code == 200
    assert not tokens_given().exists()


def test_our_access_tokens_are_allauths_but_for_their_type(app, signed_in_browser, monkeypatch):
    """provider/access_tokens.py copies allauth's generator for the header alone:
    the claims must stay allauth's, and allauth must still read its generator
    from the module at each request."""
    import jwt
    from allauth.idp.oidc.internal.oauthlib import server

    from provider import access_tokens

    assert server.generate_access_token is access_tokens.generate_access_token

    def issued() -> tuple[dict, dict]:
        token = exchange(app, code_from(authorize(signed_in_browser, app)), resource="https://api.example.org")
        value = token.json()["access_token"]
        return jwt.get_unverified_header(value), jwt.decode(value, options={"verify_signature": False})

    ours = issued()
    monkeypatch.setattr(server, "generate_access_token", server.generate_jwt_access_token)
    theirs = issued()
    varying = {"iat", "exp", "jti"}
    assert {k: v for k, v in ours[1].items() if k not in varying} == {
        k: v for k, v in theirs[1].items() if k not in varying
    }
    assert ours[1].keys() == theirs[1].keys()
    assert {**theirs[0], "typ": "at+jwt"} == ours[0]
