"""A browser app (a public client) calls the token, userinfo and revocation
endpoints from the origins it registered (`--cors-origin`), as SPA libraries
such as oidc-client-ts do; no other origin reads their answers, and none is
sent credentials."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tests.provider.conftest import authorize, pkce

pytestmark = pytest.mark.django_db

SPA = "https://spa.example.org"
CALLBACK = f"{SPA}/cb"
STRANGER = "https://evil.example.net"
ENDPOINTS = ("/identity/o/api/token", "/identity/o/api/userinfo", "/identity/o/api/revoke")


@pytest.fixture
def spa(register):
    return register(name="SPA", public=True, redirect_uris=[CALLBACK], cors_origins=[SPA])


@pytest.fixture
def spa_tokens(spa, signed_in_browser) -> dict:
    verifier, challenge = pkce()
    response = authorize(
        signed_in_browser, spa, redirect_uri=CALLBACK, code_challenge=challenge, code_challenge_method="S256"
    )
    code = parse_qs(urlsplit(response["Location"]).query)["code"][0]
    answer = Client().post(
        "/identity/o/api/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": spa.client_id,
            "code_verifier": verifier,
        },
        HTTP_ORIGIN=SPA,
    )
    assert answer.status_code == 200, answer.content
    return answer.json()


def preflight(path, origin, method="POST", headers="content-type"):
    return Client().options(
        path, HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD=method, HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers
    )


def userinfo_path() -> str:
    return urlsplit(Client().get("/.well-known/openid-configuration").json()["userinfo_endpoint"]).path


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_registered_origin_is_answered_its_preflight(spa, path):
    response = preflight(path, SPA, method="GET" if "userinfo" in path else "POST", headers="authorization")
    assert response.status_code == 204 and not response.content
    assert response["Access-Control-Allow-Origin"] == SPA
    assert "authorization" in response["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in response  # bearer tokens, never the cookie


@pytest.mark.parametrize("path", ENDPOINTS)
def test_any_other_origin_gets_no_cors_header(spa, path):
    assert "Access-Control-Allow-Origin" not in preflight(path, STRANGER)


def test_the_endpoint_list_is_discoverys(spa):
    assert userinfo_path() == ENDPOINTS[1]


def test_a_browser_app_reads_userinfo_from_its_origin(spa_tokens):
    answer = Client().get(ENDPOINTS[1], HTTP_AUTHORIZATION=f"Bearer {spa_tokens['access_token']}", HTTP_ORIGIN=SPA)
    assert answer.status_code == 200 and answer.json()["sub"]
    assert answer["Access-Control-Allow-Origin"] == SPA and "Origin" in answer["Vary"]
    elsewhere = Client().get(
        ENDPOINTS[1], HTTP_AUTHORIZATION=f"Bearer {spa_tokens['access_token']}", HTTP_ORIGIN=STRANGER
    )
    assert "Access-Control-Allow-Origin" not in elsewhere


def test_a_refused_userinfo_call_says_why_to_the_page(spa):
    answer = Client().get(ENDPOINTS[1], HTTP_AUTHORIZATION="Bearer nope", HTTP_ORIGIN=SPA)
    assert answer.status_code == 401 and answer["Access-Control-Allow-Origin"] == SPA
    assert "www-authenticate" in answer["Access-Control-Expose-Headers"].lower()


def test_a_browser_app_revokes_from_its_origin(spa, spa_tokens):
    from tests.provider.conftest import tokens_given

    answer = Client().post(
        ENDPOINTS[2], {"token": spa_tokens["refresh_token"], "client_id": spa.client_id}, HTTP_ORIGIN=SPA
    )
    assert answer.status_code == 200 and answer["Access-Control-Allow-Origin"] == SPA
    assert not tokens_given(type="rt").exists()


def test_an_origin_another_client_registered_reads_no_token_answer_for_this_one(spa, register, signed_in_browser):
    """The token endpoint's answer is read only from the origins of the client it names."""
    other = register(name="Other", public=True, redirect_uris=["https://other.example.org/cb"])
    answer = Client().post(
        ENDPOINTS[0], {"grant_type": "authorization_code", "code": "x", "client_id": other.client_id}, HTTP_ORIGIN=SPA
    )
    assert "Access-Control-Allow-Origin" not in answer


def test_a_refused_token_request_is_read_by_its_page_too(spa):
    """oidc-client-ts shows `invalid_grant`, not a network error."""
    answer = Client().post(
        ENDPOINTS[0], {"grant_type": "authorization_code", "code": "x", "client_id": spa.client_id}, HTTP_ORIGIN=SPA
    )
    assert answer.status_code == 400 and answer["Access-Control-Allow-Origin"] == SPA


def test_the_endpoints_take_posts_without_a_csrf_token(spa_tokens, spa):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(ENDPOINTS[1], HTTP_AUTHORIZATION=f"Bearer {spa_tokens['access_token']}").status_code == 200
    answer = browser.post(ENDPOINTS[2], {"token": spa_tokens["access_token"], "client_id": spa.client_id})
    assert answer.status_code == 200


def test_a_revocations_empty_answer_claims_no_type(spa, spa_tokens):
    answer = Client().post(ENDPOINTS[2], {"token": spa_tokens["refresh_token"], "client_id": spa.client_id})
    assert answer.status_code == 200 and not answer.content and "Content-Type" not in answer
