"""The provider's protocol endpoints through allauth.idp.oidc, as clients meet them."""

from __future__ import annotations

import base64

import jwt
import pytest
from allauth.idp.oidc.models import Token
from django.conf import settings
from django.test import Client
from django.urls import resolve, reverse

from provider import views
from tests.provider.conftest import (
    REDIRECT_URI,
    authorize,
    code_from,
    exchange,
    pkce,
    token_request,
    verify,
)
from users.models import AuthToken, User

pytestmark = pytest.mark.django_db


def test_discovery_names_the_public_url_as_issuer_and_base_of_every_endpoint():
    response = Client().get("/.well-known/openid-configuration", HTTP_HOST="localhost")
    assert response.status_code == 200
    config = response.json()
    assert config["issuer"] == settings.PUBLIC_URL
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "introspection_endpoint",
        "revocation_endpoint",
        "end_session_endpoint",
    ):
        assert config[name].startswith(settings.PUBLIC_URL + "/"), name
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert "client_credentials" in config["grant_types_supported"]
    keys = Client().get("/.well-known/jwks.json").json()["keys"]
    assert [key["kty"] for key in keys] == ["RSA"] and "d" not in keys[0]


def test_the_authorization_endpoint_is_the_one_that_refuses_before_login():
    assert resolve(reverse("idp:oidc:authorization")).func.view_class is views.AuthorizationView


def test_code_flow_with_pkce_gives_tokens_a_resource_server_can_verify(app, signed_in_browser):
    verifier, challenge = pkce()
    code = code_from(authorize(signed_in_browser, app, challenge))
    response = exchange(app, code, verifier)
    assert response.status_code == 200, response.content
    tokens = response.json()
    user = User.objects.get()

    id_token = verify(tokens["id_token"], audience=app.client_id)
    assert id_token["sub"] == str(user.pk)
    assert id_token["nonce"] == "n-1"
    assert (id_token["email"], id_token["email_verified"]) == ("ada@example.com", True)

    access = verify(tokens["access_token"])
    assert (access["sub"], access["client_id"], access["token_use"]) == (str(user.pk), app.client_id, "access")
    assert access["exp"] - access["iat"] == settings.IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN

    info = Client().get("/identity/o/api/userinfo", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert info.status_code == 200
    assert info.json() == {"sub": str(user.pk), "email": "ada@example.com", "email_verified": True}


def test_the_id_token_names_the_address_even_without_the_email_scope(app, signed_in_browser):
    code = code_from(authorize(signed_in_browser, app, scope="openid"))
    claims = verify(exchange(app, code).json()["id_token"], audience=app.client_id)
    assert (claims["email"], claims["email_verified"]) == ("ada@example.com", True)


def test_refresh_tokens_rotate_and_a_spent_one_is_refused(app, signed_in_browser):
    code = code_from(authorize(signed_in_browser, app))
    first = exchange(app, code).json()["refresh_token"]
    response = token_request(app, {"grant_type": "refresh_token", "refresh_token": first})
    assert response.status_code == 200, response.content
    second = response.json()["refresh_token"]
    assert second != first
    spent = token_request(app, {"grant_type": "refresh_token", "refresh_token": first})
    assert (spent.status_code, spent.json()["error"]) == (400, "invalid_grant")
    assert token_request(app, {"grant_type": "refresh_token", "refresh_token": second}).status_code == 200


def test_a_code_is_redeemed_once(app, signed_in_browser):
    code = code_from(authorize(signed_in_browser, app))
    assert exchange(app, code).status_code == 200
    again = exchange(app, code)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_a_wrong_pkce_verifier_is_refused(app, signed_in_browser):
    verifier, challenge = pkce()
    code = code_from(authorize(signed_in_browser, app, challenge))
    wrong = exchange(app, code, pkce()[0])
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    missing = exchange(app, code)
    assert missing.status_code == 400
    assert not Token.objects.exists()


def test_a_public_client_must_use_pkce(register, signed_in_browser):
    public = register(public=True)
    refused = authorize(signed_in_browser, public)
    assert refused.status_code == 302 and "error=invalid_request" in refused["Location"]
    verifier, challenge = pkce()
    code = code_from(authorize(signed_in_browser, public, challenge))
    assert exchange(public, code, verifier).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"redirect_uri": "https://evil.example/callback"},
        {"redirect_uri": REDIRECT_URI + "/../other"},
        {"client_id": "no-such-client"},
    ],
)
def test_an_unknown_client_or_redirect_uri_is_refused_before_any_login(app, params):
    response = authorize(Client(), app, **params)
    assert response.status_code == 200  # an error page of the service, never a redirect
    assert b"cannot go on" in response.content
    assert "Location" not in response


def test_client_credentials_give_an_access_token_with_no_user(app):
    response = token_request(app, {"grant_type": "client_credentials", "scope": "openid"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert "refresh_token" not in body and "id_token" not in body
    claims = verify(body["access_token"])
    assert claims["client_id"] == app.client_id and "sub" not in claims


def test_client_credentials_need_the_secret(app):
    wrong = base64.b64encode(f"{app.client_id}:not-the-secret".encode()).decode()
    response = Client().post(
        "/identity/o/api/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {wrong}"
    )
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")


def introspect(app, token: str, authenticated: bool = True):
    headers = {}
    if authenticated:
        basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
        headers["HTTP_AUTHORIZATION"] = f"Basic {basic}"
    return Client().post("/identity/o/api/introspect", {"token": token}, **headers)


def test_introspection_says_active_then_inactive_after_revocation(app, signed_in_browser):
    tokens = exchange(app, code_from(authorize(signed_in_browser, app))).json()
    answer = introspect(app, tokens["access_token"]).json()
    assert answer["active"] is True
    assert (answer["client_id"], answer["sub"]) == (app.client_id, str(User.objects.get().pk))

    basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
    revoked = Client().post(
        "/identity/o/api/revoke", {"token": tokens["access_token"]}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert revoked.status_code == 200
    assert introspect(app, tokens["access_token"]).json() == {"active": False}
    assert introspect(app, tokens["refresh_token"]).json()["active"] is True


def test_a_resource_server_introspects_the_tokens_of_the_apps_calling_it(app, register, signed_in_browser):
    api = register(name="Orders API", grants=["client_credentials"], redirect_uris=[])
    token = exchange(app, code_from(authorize(signed_in_browser, app))).json()["access_token"]
    answer = introspect(api, token).json()
    assert answer["active"] is True and answer["client_id"] == app.client_id


def test_introspection_needs_client_authentication(app):
    token = token_request(app, {"grant_type": "client_credentials"}).json()["access_token"]
    response = introspect(app, token, authenticated=False)
    assert response.status_code == 401
    assert "active" not in response.json()


@pytest.mark.parametrize("end", ["password change", "deactivation"])
def test_a_new_password_or_deactivation_revokes_the_applications_tokens(app, signed_in_browser, end):
    tokens = exchange(app, code_from(authorize(signed_in_browser, app))).json()
    user = User.objects.get()
    if end == "password change":
        user.set_password("an entirely new passphrase")
    else:
        user.is_active = False
    user.save()
    refused = token_request(app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    assert introspect(app, tokens["access_token"]).json() == {"active": False}
    assert not Token.objects.filter(user=user).exists()
    assert not AuthToken.objects.filter(user=user).exists()  # the hosted page's session too


def test_the_access_token_is_signed_with_the_configured_key(app):
    token = token_request(app, {"grant_type": "client_credentials"}).json()["access_token"]
    key = jwt.PyJWK.from_dict(Client().get("/.well-known/jwks.json").json()["keys"][0])
    from cryptography.hazmat.primitives import serialization

    configured = serialization.load_pem_private_key(settings.IDP_OIDC_PRIVATE_KEY.encode(), None).public_key()
    assert key.key.public_numbers() == configured.public_numbers()
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
