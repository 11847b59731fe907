"""The provider's refusals, each with the code OpenID Connect Core or RFC 6749
names for it, at the place the specs say it is told."""

import base64

import pytest
from django.test import Client

from tests.provider.conftest import REDIRECT_URI, authorize, code_from, exchange, token_request

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("parameter", "code"), [("request", "request_not_supported"), ("request_uri", "request_uri_not_supported")]
)
def test_request_objects_are_refused_with_their_codes(app, signed_in_browser, parameter, code):
    """OIDC Core 6.1 and 6.2: a provider that does not take request objects says so."""
    response = authorize(signed_in_browser, app, **{parameter: "eyJhbGciOiJub25lIn0.e30."})
    assert response.status_code == 302 and response["Location"].startswith(REDIRECT_URI)
    assert f"error={code}" in response["Location"] and "code=" not in response["Location"]


@pytest.mark.parametrize("port", ["0", "65536", "99999", "00080"])
def test_a_loopback_redirect_uri_names_a_real_port(register, signed_in_browser, port):
    native = register(public=True, redirect_uris=["http://127.0.0.1/callback"])
    response = authorize(signed_in_browser, native, redirect_uri=f"http://127.0.0.1:{port}/callback")
    assert response.status_code == 400
    assert "Location" not in response


def test_an_unknown_client_is_refused_with_400(signed_in_browser):
    response = signed_in_browser.get(
        "/identity/o/authorize",
        {"response_type": "code", "client_id": "nobody", "redirect_uri": REDIRECT_URI, "scope": "openid"},
    )
    assert response.status_code == 400


def test_two_client_ids_in_one_token_request_are_an_invalid_client(app, signed_in_browser):
    """RFC 6749 2.3: one way to authenticate; a body naming another client is refused as a client error."""
    code = code_from(authorize(signed_in_browser, app))
    basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
    response = Client().post(
        "/identity/o/api/token",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "client_id": "another"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")
    assert exchange(app, code).status_code == 200  # the stranger's try did not spend it


def test_a_token_request_of_the_same_client_twice_is_fine(app, signed_in_browser):
    code = code_from(authorize(signed_in_browser, app))
    assert (
        token_request(
            app,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "client_id": app.client_id,
            },
        ).status_code
        == 200
    )
