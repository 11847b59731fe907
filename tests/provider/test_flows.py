"""The provider's protocol endpoints through allauth.idp.oidc, as clients meet them."""

from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from allauth.idp.oidc.models import Token
from django.conf import settings
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from provider import endpoints
from tests.provider.conftest import (
    REDIRECT_URI,
    authorize,
    code_from,
    exchange,
    introspect,
    pkce,
    revoke,
    token_request,
    tokens_given,
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
    assert resolve(reverse("idp:oidc:authorization")).func.view_class is endpoints.AuthorizationView


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
    assert token_request(app, {"grant_type": "refresh_token", "refresh_token": second}).status_code == 200
    spent = token_request(app, {"grant_type": "refresh_token", "refresh_token": first})
    assert (spent.status_code, spent.json()["error"]) == (
        400,
        "invalid_grant",
    )  # and its chain ends: test_refresh_chains.py


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


def test_a_wrong_verifier_uses_the_code_up(app, signed_in_browser):
    """RFC 9700 4.8.2: whoever tried the code first, right or wrong, spent it."""
    verifier, challenge = pkce()
    code = code_from(authorize(signed_in_browser, app, challenge))
    assert exchange(app, code, pkce()[0]).status_code == 400
    right = exchange(app, code, verifier)
    assert (right.status_code, right.json()["error"]) == (400, "invalid_grant")
    assert not Token.objects.exists()


def test_a_wrong_redirect_uri_at_the_exchange_uses_the_code_up(register, signed_in_browser):
    app = register(redirect_uris=[REDIRECT_URI, "https://app.example.org/other"])
    code = code_from(authorize(signed_in_browser, app))
    assert exchange(app, code, redirect_uri="https://app.example.org/other").status_code == 400
    assert exchange(app, code).json()["error"] == "invalid_grant"
    assert not tokens_given().exists()


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
    assert response.status_code == 400  # an error page of the service, never a redirect
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


def test_introspection_says_active_then_inactive_after_revocation(app, signed_in_browser):
    tokens = exchange(app, code_from(authorize(signed_in_browser, app))).json()
    answer = introspect(app, tokens["access_token"]).json()
    assert answer["active"] is True
    assert (answer["client_id"], answer["sub"]) == (app.client_id, str(User.objects.get().pk))

    assert revoke(app, tokens["access_token"]).status_code == 200
    assert introspect(app, tokens["access_token"]).json() == {"active": False}
    assert introspect(app, tokens["refresh_token"]).json()["active"] is True


def test_a_resource_server_introspects_the_tokens_of_the_apps_calling_it(app, register, signed_in_browser):
    api = register(name="Orders API", grants=["client_credentials"], redirect_uris=[], resource_server=True)
    token = exchange(app, code_from(authorize(signed_in_browser, app))).json()["access_token"]
    answer = introspect(api, token).json()
    assert answer["active"] is True and answer["client_id"] == app.client_id


def test_another_client_learns_nothing_of_a_token_not_its_own(app, register, signed_in_browser):
    """RFC 7662 2.1: only resource servers may ask about others' tokens."""
    other = register(name="Another app", grants=["client_credentials"], redirect_uris=[])
    tokens = exchange(app, code_from(authorize(signed_in_browser, app))).json()
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert introspect(other, token).json() == {"active": False}
        assert introspect(app, token).json()["active"] is True


def test_a_client_with_a_default_audience_gets_tokens_for_it(register, signed_in_browser):
    """RFC 9068 3: `aud` names the resource; without `resource`, the client's registered one."""
    app = register(grants=["authorization_code", "refresh_token"], audience="https://orders.example.org")
    tokens = exchange(app, code_from(authorize(signed_in_browser, app))).json()
    assert verify(tokens["access_token"], audience="https://orders.example.org")["aud"] == [
        "https://orders.example.org"
    ]
    asked = exchange(app, code_from(authorize(signed_in_browser, app)), resource="https://other.example.org").json()
    assert verify(asked["access_token"], audience="https://other.example.org")["aud"] == ["https://other.example.org"]


def test_access_tokens_say_what_they_are(app, signed_in_browser):
    """RFC 9068 2.1: `typ: at+jwt`, so no ID token (same key) passes for one."""
    import jwt as pyjwt

    tokens = exchange(app, code_from(authorize(signed_in_browser, app))).json()
    assert pyjwt.get_unverified_header(tokens["access_token"])["typ"] == "at+jwt"
    assert pyjwt.get_unverified_header(tokens["id_token"])["typ"] == "JWT"
    claims = verify(tokens["access_token"])
    assert claims["client_id"] == app.client_id and "openid" in claims["scope"].split()


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


# The rules this service adds to allauth's flow (provider/protocol.py), each
# found missing by reading allauth's defaults with an attacker's eyes.


def test_an_id_token_hint_from_a_signed_out_browser_leads_to_the_login_page(app, make_user):
    make_user()
    browser = Client()
    sign_in_and_get_id_token = exchange(app, code_from(authorize(signed_in(browser), app))).json()["id_token"]
    response = authorize(Client(), app, id_token_hint=sign_in_and_get_id_token)
    assert response.status_code == 302 and response["Location"].startswith("/login?next=")


def signed_in(browser: Client) -> Client:
    from tests.provider.conftest import sign_in

    assert sign_in(browser).status_code == 302
    return browser


@pytest.mark.parametrize(
    "redirect_uri",
    [
        REDIRECT_URI + "?code=planted",
        "HTTPS://APP.EXAMPLE.ORG/callback",
        REDIRECT_URI + "/",
        "https://app.example.org:443/callback",
    ],
)
def test_a_redirect_uri_must_match_exactly(app, signed_in_browser, redirect_uri):
    response = authorize(signed_in_browser, app, redirect_uri=redirect_uri)
    assert response.status_code == 400 and "Location" not in response


def test_a_loopback_redirect_uri_may_use_any_port(register, signed_in_browser):
    native = register(redirect_uris=["http://127.0.0.1/callback"])
    response = authorize(signed_in_browser, native, redirect_uri="http://127.0.0.1:51234/callback")
    assert response.status_code == 302 and response["Location"].startswith("http://127.0.0.1:51234/callback?")


@pytest.mark.parametrize("method", [None, "plain", "s256"])
def test_pkce_must_be_s256(app, signed_in_browser, method):
    params = {"code_challenge": "x" * 43}
    if method:
        params["code_challenge_method"] = method
    response = authorize(signed_in_browser, app, **params)
    assert response.status_code == 302 and response["Location"].startswith(REDIRECT_URI)
    assert "error=invalid_request" in response["Location"] and "code=" not in response["Location"]


def test_a_code_dies_with_the_sign_in_that_made_it(app, signed_in_browser, gql):
    code = code_from(authorize(signed_in_browser, app))
    AuthToken.objects.all().delete()  # logoutAll, a password change, deactivation, signing out
    refused = exchange(app, code)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    assert not Token.objects.exists()


def test_a_password_change_between_the_code_and_its_redemption_ends_it(app, signed_in_browser):
    code = code_from(authorize(signed_in_browser, app))
    user = User.objects.get()
    user.set_password("a brand new passphrase here")
    user.save()
    assert exchange(app, code).json()["error"] == "invalid_grant"


def test_a_replayed_code_revokes_what_its_first_redemption_gave(app, signed_in_browser):
    code = code_from(authorize(signed_in_browser, app))
    tokens = exchange(app, code).json()
    assert exchange(app, code).json()["error"] == "invalid_grant"
    refreshed = token_request(app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.json()["error"] == "invalid_grant"
    assert not Token.objects.exists()


def test_two_redemptions_racing_leave_no_tokens(app, signed_in_browser, monkeypatch):
    """Two redemptions may both pass allauth's checks (before 65.22 it read the
    code, then deleted it). The second to claim this service's one redemption
    finds it claimed, and both lose."""
    from provider import protocol

    code = code_from(authorize(signed_in_browser, app))
    monkeypatch.setattr(protocol, "first_redemption", lambda code: False)  # the other request claimed it
    refused = exchange(app, code)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    assert not Token.objects.exists()


def test_the_id_token_says_when_the_person_signed_in(app, signed_in_browser):
    session = AuthToken.objects.get()
    code = code_from(authorize(signed_in_browser, app))
    claims = verify(exchange(app, code).json()["id_token"], audience=app.client_id)
    assert claims["auth_time"] == int(session.authenticated_at.timestamp())


def test_max_age_asks_an_older_sign_in_to_be_made_again(app, signed_in_browser):
    AuthToken.objects.update(authenticated_at=timezone.now() - timedelta(minutes=10))
    again = authorize(signed_in_browser, app, max_age="300")
    assert again.status_code == 302 and again["Location"].startswith("/login?next=")
    assert code_from(authorize(signed_in_browser, app, max_age="3600"))


def test_prompt_login_asks_a_signed_in_person_to_sign_in_again(app, signed_in_browser):
    """OIDC Core 3.1.2.1 (allauth 65.22 answered it with a 500: its
    reauthentication page is not served here)."""
    from tests.provider.conftest import sign_in

    before = timezone.now() - timedelta(minutes=10)
    AuthToken.objects.update(authenticated_at=before)
    again = authorize(signed_in_browser, app, prompt="login")
    assert again.status_code == 302 and again["Location"].startswith("/login?next=")
    resumed = parse_qs(urlsplit(again["Location"]).query)["next"][0]
    assert "prompt" not in parse_qs(urlsplit(resumed).query)
    signed_in_again = sign_in(signed_in_browser, next=resumed)
    assert signed_in_again.status_code == 302 and signed_in_again["Location"] == resumed
    claims = verify(exchange(app, code_from(signed_in_browser.get(resumed))).json()["id_token"], app.client_id)
    assert claims["auth_time"] > int(before.timestamp()) + 300
    assert AuthToken.objects.count() == 1  # the new sign-in replaced the old one


def test_prompt_login_with_none_tells_the_client(app, signed_in_browser):
    silent = authorize(signed_in_browser, app, prompt="none login")
    assert silent.status_code == 302 and "error=login_required" in silent["Location"]


def test_prompt_none_does_not_stand_in_for_consent(register, signed_in_browser, app):
    third = register(consent=True)
    exchange(app, code_from(authorize(signed_in_browser, app)))  # tokens for another client
    silent = authorize(signed_in_browser, third, prompt="none")
    assert silent.status_code == 302 and "error=consent_required" in silent["Location"]
    assert "code=" not in silent["Location"]


def test_the_issuer_may_be_set_apart_from_the_pages_base(settings):
    settings.PUBLIC_URL = "https://app.example.org"
    settings.OIDC_ISSUER = "https://auth.example.org"
    config = Client().get("/.well-known/openid-configuration").json()
    assert config["issuer"] == "https://auth.example.org"
    assert config["token_endpoint"] == "https://auth.example.org/identity/o/api/token"


def test_a_browser_app_may_call_the_token_endpoint_from_its_origin(register, signed_in_browser):
    spa = register(public=True, redirect_uris=["https://spa.example.org/cb"], cors_origins=["https://spa.example.org"])
    verifier, challenge = pkce()
    query = {"redirect_uri": "https://spa.example.org/cb", "code_challenge": challenge, "code_challenge_method": "S256"}
    response = authorize(signed_in_browser, spa, **query)
    code = parse_qs(urlsplit(response["Location"]).query)["code"][0]
    answer = Client().post(
        "/identity/o/api/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://spa.example.org/cb",
            "client_id": spa.client_id,
            "code_verifier": verifier,
        },
        HTTP_ORIGIN="https://spa.example.org",
    )
    assert answer.status_code == 200 and answer["Access-Control-Allow-Origin"] == "https://spa.example.org"


def test_the_provider_pages_are_never_cached(app, signed_in_browser):
    for response in (authorize(Client(), app), signed_in_browser.get("/identity/o/logout"), Client().get("/login")):
        assert "no-store" in response["Cache-Control"]


def test_the_signing_key_is_loaded_once_not_per_token(app, signed_in_browser, monkeypatch):
    """Loading an RSA key costs cryptography ~50 ms (it validates the key):
    allauth did it for every token, JWKS answer and JWT introspected."""
    from cryptography.hazmat.primitives import serialization

    loads = []
    real = serialization.load_pem_private_key
    monkeypatch.setattr(serialization, "load_pem_private_key", lambda *a, **k: loads.append(1) or real(*a, **k))
    token_request(app, {"grant_type": "client_credentials"})  # warm: at most the first load
    loads.clear()
    tokens = exchange(app, code_from(authorize(signed_in_browser, app))).json()
    introspect(app, tokens["access_token"])
    Client().get("/.well-known/jwks.json")
    assert loads == []


# What a second review found the provider let through.


def test_a_code_may_not_travel_in_a_fragment(app, signed_in_browser):
    response = authorize(signed_in_browser, app, response_mode="fragment")
    assert response.status_code == 302 and "error=invalid_request" in response["Location"]
    assert "code=" not in response["Location"]


def test_a_code_no_sign_in_stands_behind_is_refused_and_gives_nothing(app, signed_in_browser):
    from django.core.cache import cache

    from provider import protocol

    code = code_from(authorize(signed_in_browser, app))
    cache.delete(protocol.binding_key(code))
    refused = exchange(app, code)
    assert refused.json() == {"error": "invalid_grant"}
    assert not Token.objects.exists()


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://evil.example\\@127.0.0.1:1234/callback",
        "HTTP://127.0.0.1:1234/callback",
        "http://127.0.0.1:0x50/callback",
        "http://user@127.0.0.1:1234/callback",
    ],
)
def test_a_loopback_redirect_uri_differs_in_its_port_only(register, redirect_uri):
    native = register(redirect_uris=["http://127.0.0.1/callback"])
    response = authorize(Client(), native, redirect_uri=redirect_uri, code_challenge="a", code_challenge_method="plain")
    assert response.status_code == 400 and "Location" not in response


def test_prompt_none_asks_again_for_scopes_not_granted_to_this_client(register, signed_in_browser, app):
    third = register(consent=True)
    exchange(app, code_from(authorize(signed_in_browser, app, scope="openid email profile")))
    csrf = signed_in_browser.cookies["csrftoken"].value
    consent = authorize(signed_in_browser, third, scope="openid")
    request_field = consent.content.decode().split('name="request" value="')[1].split('"')[0]
    granted = signed_in_browser.post(
        "/identity/o/authorize",
        {"request": request_field, "scopes": ["openid"], "action": "grant", "csrfmiddlewaretoken": csrf},
    )
    exchange(third, code_from(granted))
    silent = authorize(signed_in_browser, third, prompt="none", scope="openid email profile")
    assert "error=consent_required" in silent["Location"]
    assert code_from(authorize(signed_in_browser, third, prompt="none", scope="openid"))


def test_a_stranger_replaying_a_spent_code_revokes_nothing(app, register, signed_in_browser):
    other = register(name="Other", public=True, redirect_uris=[REDIRECT_URI])
    code = code_from(authorize(signed_in_browser, app))
    assert exchange(app, code).status_code == 200
    stranger = Client().post(
        "/identity/o/api/token",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "client_id": other.client_id},
    )
    assert stranger.status_code in (400, 401)
    assert tokens_given(client_id=app.client_id).count() == 2


def test_signing_in_over_a_dead_cookie_keeps_the_new_one(make_user):
    from tests.provider.conftest import sign_in

    make_user()
    browser = Client()
    sign_in(browser)
    AuthToken.objects.all().delete()  # ended elsewhere: logoutAll, a password change
    response = sign_in(browser)
    from users.authentication import session_cookie_name

    assert response.cookies[session_cookie_name()].value.startswith("gqa_")
    assert browser.get("/login").context["step"] == "signed_in"


def test_max_age_zero_asks_for_one_sign_in_not_forever(app, signed_in_browser):
    from tests.provider.conftest import sign_in

    again = authorize(signed_in_browser, app, max_age="0")
    assert again.status_code == 302 and again["Location"].startswith("/login?next=")
    next_url = parse_qs(urlsplit(again["Location"]).query)["next"][0]
    assert "max_age" not in next_url
    signed = sign_in(signed_in_browser, next=next_url)
    assert code_from(signed_in_browser.get(signed["Location"]))


def test_prompt_none_with_an_old_sign_in_tells_the_client(app, signed_in_browser):
    AuthToken.objects.update(authenticated_at=timezone.now() - timedelta(minutes=10))
    silent = authorize(signed_in_browser, app, max_age="60", prompt="none")
    assert silent.status_code == 302 and "error=login_required" in silent["Location"]


def test_prompt_none_at_a_first_party_client_signs_in_silently_on_first_use(app, signed_in_browser):
    """Silent sign-in (OIDC Core 3.1.2.1) needs no earlier grant where no consent is asked."""
    silent = authorize(signed_in_browser, app, prompt="none")
    assert exchange(app, code_from(silent)).status_code == 200


def test_prompt_none_without_a_sign_in_still_tells_the_client(app, make_user):
    make_user()
    silent = authorize(Client(), app, prompt="none")
    assert silent.status_code == 302 and "error=login_required" in silent["Location"]


def test_prompt_select_account_lets_the_person_go_on_or_sign_in_as_another(app, signed_in_browser, make_user):
    from tests.provider.conftest import sign_in

    asked = authorize(signed_in_browser, app, prompt="select_account")
    assert asked.status_code == 302 and asked["Location"].startswith("/login?")
    chooser = signed_in_browser.get(asked["Location"])
    assert chooser.context["current"].email == "ada@example.com"
    go_on = chooser.context["next"]
    assert "prompt" not in parse_qs(urlsplit(go_on).query)
    assert b'id="continue-as"' in chooser.content and b'name="password"' in chooser.content
    assert code_from(signed_in_browser.get(go_on))  # as Ada
    make_user("bob@example.com")
    as_bob = sign_in(signed_in_browser, "bob@example.com", next=go_on)
    code = code_from(signed_in_browser.get(as_bob["Location"]))
    assert verify(exchange(app, code).json()["id_token"])["email"] == "bob@example.com"


def test_prompt_select_account_with_none_tells_the_client(app, signed_in_browser):
    silent = authorize(signed_in_browser, app, prompt="none select_account")
    assert silent.status_code == 302 and "error=account_selection_required" in silent["Location"]


def test_discovery_names_the_prompts_answered(db):
    config = Client().get("/.well-known/openid-configuration").json()
    assert config["prompt_values_supported"] == ["none", "login", "consent", "select_account", "create"]


def test_discovery_lists_only_what_is_offered(app):
    config = Client().get("/.well-known/openid-configuration").json()
    assert config["response_types_supported"] == ["code"]
    assert sorted(config["grant_types_supported"]) == [
        "authorization_code",
        "client_credentials",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:device_code",
    ]
    assert "registration_endpoint" not in config
    assert Client().post("/identity/o/api/clients", {}).status_code == 404
    assert Client().get("/identity/o/device").status_code == 404  # the device page is /device
