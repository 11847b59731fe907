"""Hostile input to the provider's endpoints is refused with a 4xx, never a 500
(a NUL byte, which PostgreSQL cannot store, malformed parameters)."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from tests.provider.conftest import REDIRECT_URI, authorize, token_request
from tests.schema.test_fuzz import FUZZ, HOSTILE_TEXT, LEAKS, unechoed

pytestmark = pytest.mark.django_db


def answer(response) -> int:
    assert response.status_code < 500, response.content[:300]
    return response.status_code


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/identity/o/api/token", {"grant_type": "client_credentials", "client_id": "\x00"}),
        ("/identity/o/api/token", {"grant_type": "client_credentials", "client_id": "a\x00b", "client_secret": "x"}),
        ("/identity/o/api/revoke", {"token": "x", "client_id": "\x00"}),
        ("/identity/o/api/introspect", {"token": "\x00"}),
    ],
)
def test_a_nul_byte_at_a_protocol_endpoint_is_a_json_400(path, data):
    response = Client(raise_request_exception=False).post(path, data)
    assert answer(response) == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("params", [{"client_id": "\x00"}, {"nonce": "n\x00"}, {"state": "\x00"}])
def test_a_nul_byte_at_the_authorization_endpoint_is_refused(app, signed_in_browser, params):
    signed_in_browser.raise_request_exception = False
    query = {"client_id": app.client_id, **params}
    assert answer(authorize(signed_in_browser, app, **query)) == 400


def test_a_resource_that_is_not_an_absolute_uri_is_refused(app):
    response = token_request(app, {"grant_type": "client_credentials", "resource": "not a uri"})
    assert answer(response) == 400


def test_malformed_claims_at_the_authorization_endpoint_are_refused(app, signed_in_browser):
    signed_in_browser.raise_request_exception = False
    answer(authorize(signed_in_browser, app, claims="{not json"))


# Every form and page endpoint of the provider and the hosted pages, fuzzed with
# an attacker's text (tests/schema/test_fuzz.py fuzzes GraphQL): no answer is a 5xx.
def assert_sound(response, sent=()) -> None:
    assert response.status_code < 500, response.content[:500]
    # The landing pages hold their key in the page: an echo is no leak.
    body = response.content.decode(errors="replace")
    assert not LEAKS.search(unechoed(body, sent)), body[:500]


def sendable(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


# NUL drawn often: PostgreSQL stores none, so it is the input most likely to reach a 500.
PARAM = st.one_of(HOSTILE_TEXT.map(sendable), st.builds("{}\x00{}".format, st.text(max_size=4), st.text(max_size=4)))
FORM_ENDPOINTS = {
    "/identity/o/api/token": [
        "grant_type",
        "client_id",
        "client_secret",
        "code",
        "redirect_uri",
        "code_verifier",
        "refresh_token",
        "resource",
        "scope",
    ],
    "/identity/o/api/revoke": ["token", "token_type_hint", "client_id", "client_secret"],
    "/identity/o/api/introspect": ["token", "token_type_hint"],
    "/login": ["step", "email", "password", "code", "mfa_token", "credential", "next"],
    "/forgot-password": ["email"],
}
AUTHORIZE_PARAMS = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "prompt",
    "max_age",
    "claims",
    "code_challenge",
    "code_challenge_method",
    "response_mode",
    "id_token_hint",
    "resource",
]


@FUZZ
@given(data=st.data())
def test_no_form_endpoint_answers_5xx_to_any_input(app, signed_in_browser, data):
    path = data.draw(st.sampled_from(sorted(FORM_ENDPOINTS)))
    names = data.draw(st.lists(st.sampled_from(FORM_ENDPOINTS[path]), unique=True))
    form = {name: data.draw(PARAM) for name in names}
    if path.startswith("/identity/o/api/") and data.draw(st.booleans()):
        form.update(client_id=app.client_id, client_secret=app.client_secret)
    client = data.draw(st.sampled_from([Client(raise_request_exception=False), signed_in_browser]))
    client.raise_request_exception = False
    assert_sound(client.post(path, form), sent=form.values())


@FUZZ
@given(data=st.data())
def test_no_authorization_request_answers_5xx(app, signed_in_browser, data):
    names = data.draw(st.lists(st.sampled_from(AUTHORIZE_PARAMS), unique=True))
    query = {name: data.draw(PARAM) for name in names}
    if data.draw(st.booleans()):
        query.update(client_id=app.client_id, redirect_uri=REDIRECT_URI, response_type="code")
    browser = data.draw(st.sampled_from([Client(raise_request_exception=False), signed_in_browser]))
    browser.raise_request_exception = False
    assert_sound(browser.get("/identity/o/authorize", query), sent=query.values())


@FUZZ
@given(page=st.sampled_from(["verify-email", "reset-password", "unlock-account"]), key=PARAM)
@example(page="verify-email", key="TRACEBACK")  # echoed back, it is no leak
def test_no_landing_page_answers_5xx_to_any_key(page, key):
    from urllib.parse import quote

    response = Client(raise_request_exception=False).get(f"/{page}/{quote(key, safe='')}")
    assert_sound(response, sent=[key])
