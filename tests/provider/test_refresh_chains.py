"""Refresh-token chains (RFC 9700 4.14.2): a refresh token presented again
after its rotation revokes the whole chain it belongs to, and is recorded."""

import pytest

from audit.models import SecurityEvent
from tests.provider.conftest import authorize, code_from, exchange, introspect, token_request, tokens_given

pytestmark = pytest.mark.django_db


def refresh(app, refresh_token):
    return token_request(app, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def chain_of_three(app, browser) -> tuple[str, str, dict]:
    """A sign-in's tokens, rotated twice: the first and second refresh tokens are
    spent, and the newest answer holds the chain's live tokens."""
    first = exchange(app, code_from(authorize(browser, app))).json()["refresh_token"]
    second = refresh(app, first).json()["refresh_token"]
    newest = refresh(app, second).json()
    assert "refresh_token" in newest, newest
    return first, second, newest


def test_a_spent_refresh_token_presented_again_revokes_its_chain(app, signed_in_browser):
    first, _, newest = chain_of_three(app, signed_in_browser)
    replayed = refresh(app, first)
    assert (replayed.status_code, replayed.json()["error"]) == (400, "invalid_grant")
    # The thief's or the client's newer tokens are the chain's too: all of them end.
    assert refresh(app, newest["refresh_token"]).json()["error"] == "invalid_grant"
    assert introspect(app, newest["access_token"]).json()["active"] is False
    assert not tokens_given().exists()
    event = SecurityEvent.objects.get(type="REFRESH_TOKEN_REUSED")
    assert event.user.email == "ada@example.com"


def test_other_chains_of_the_account_stay(app, signed_in_browser):
    first, _, _ = chain_of_three(app, signed_in_browser)
    other = exchange(app, code_from(authorize(signed_in_browser, app))).json()
    refresh(app, first)  # the first chain's reuse
    assert refresh(app, other["refresh_token"]).status_code == 200


def test_a_stranger_without_the_clients_credentials_revokes_nothing(app, register, signed_in_browser):
    first, _, newest = chain_of_three(app, signed_in_browser)
    stranger = register(name="Another app", grants=["authorization_code", "refresh_token"])
    assert refresh(stranger, first).status_code == 400
    assert refresh(app, newest["refresh_token"]).status_code == 200
    assert not SecurityEvent.objects.filter(type="REFRESH_TOKEN_REUSED").exists()


def test_a_refresh_refused_for_another_reason_spends_nothing(app, signed_in_browser):
    first = exchange(app, code_from(authorize(signed_in_browser, app))).json()["refresh_token"]
    widened = token_request(app, {"grant_type": "refresh_token", "refresh_token": first, "scope": "openid admin"})
    assert widened.status_code == 400
    assert refresh(app, first).status_code == 200  # still the chain's live token


def test_two_refreshes_with_one_token_at_once_leave_neither_standing(app, signed_in_browser):
    """Both read the live token before either rotated it: one of them is not the client."""
    from allauth.idp.oidc.models import Token

    from provider import refresh as chains

    first = exchange(app, code_from(authorize(signed_in_browser, app))).json()["refresh_token"]
    assert chains.spend(Token.objects.lookup(Token.Type.REFRESH_TOKEN, first))  # the other request's rotation
    answer = refresh(app, first)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")
    assert not tokens_given().exists()


def test_an_id_token_from_a_refresh_says_when_the_person_signed_in(app, signed_in_browser):
    """OIDC Core 12.2: auth_time is the sign-in's, at every refresh (required
    where max_age was asked, and the time a client's own max_age reads)."""
    from tests.provider.conftest import verify
    from users.models import AuthToken

    first = exchange(app, code_from(authorize(signed_in_browser, app, max_age="600"))).json()
    signed_in_at = int(AuthToken.objects.get().authenticated_at.timestamp())
    assert verify(first["id_token"])["auth_time"] == signed_in_at
    refreshed = refresh(app, first["refresh_token"]).json()
    assert verify(refreshed["id_token"])["auth_time"] == signed_in_at
