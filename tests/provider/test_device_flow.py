"""The device authorization grant (RFC 8628): a device without a browser shows
a code; the person enters it at PUBLIC_URL/device, signed in on the hosted
login, and confirms; the device's polling then gets tokens standing on that
sign-in, like a code's."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client

from tests.provider.conftest import sign_in, verify
from tests.provider.test_applications import hosted_session_id
from users.models import AuthToken

pytestmark = pytest.mark.django_db

DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def tv(register):
    return register(name="Living-room TV", public=True, redirect_uris=[], grants=["device_code", "refresh_token"])


def form_post(path: str, data: dict):
    """As a device posts (RFC 8628 3.1: form-encoded)."""
    return Client(enforce_csrf_checks=True).post(
        path, urlencode(data), content_type="application/x-www-form-urlencoded"
    )


def start(tv) -> dict:
    answer = form_post("/identity/o/api/device/code", {"client_id": tv.client_id, "scope": "openid email"})
    assert answer.status_code == 200, answer.content
    return answer.json()


def poll(tv, started):
    return Client().post(
        "/identity/o/api/token",
        {"grant_type": DEVICE_CODE, "device_code": started["device_code"], "client_id": tv.client_id},
    )


def answer(browser, started, action="confirm"):
    page = browser.get("/device", {"code": started["user_code"]})
    assert page.status_code == 200 and started["user_code"].encode() in page.content
    csrf = browser.cookies["csrftoken"].value
    return browser.post(f"/device?code={started['user_code']}", {"action": action, "csrfmiddlewaretoken": csrf})


def test_a_device_gets_a_code_and_this_services_page(tv):
    started = start(tv)
    assert started["verification_uri"] == f"{settings.PUBLIC_URL}/device"
    assert started["verification_uri_complete"] == f"{settings.PUBLIC_URL}/device?code={started['user_code']}"
    assert started["expires_in"] > 0 and started["interval"] >= 5
    config = Client().get("/.well-known/openid-configuration").json()
    assert config["device_authorization_endpoint"] == f"{settings.PUBLIC_URL}/identity/o/api/device/code"
    assert DEVICE_CODE in config["grant_types_supported"]


def test_confirmed_on_the_page_the_device_gets_tokens_standing_on_that_sign_in(tv, signed_in_browser):
    started = start(tv)
    assert answer(signed_in_browser, started).status_code == 200
    tokens = poll(tv, started).json()
    # RFC 8628 is OAuth's: the device gets access and refresh tokens (no ID
    # token), which say of the sign-in what an ID token would.
    claims = verify(tokens["access_token"])
    assert claims["client_id"] == tv.client_id and claims["amr"] == ["pwd"] and claims["sid"] and claims["auth_time"]
    info = Client().get("/identity/o/api/userinfo", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").json()
    assert info["email"] == "ada@example.com"
    assert poll(tv, started).json()["error"] in ("invalid_grant", "expired_token")  # once


def test_a_device_polling_early_waits_and_one_polling_fast_is_told_to_slow_down(tv):
    started = start(tv)
    assert poll(tv, started).json()["error"] == "authorization_pending"
    assert poll(tv, started).json()["error"] == "slow_down"  # within its interval


def test_the_page_asks_a_person_not_signed_in_to_sign_in_first(tv, make_user):
    started = start(tv)
    browser = Client()
    asked = browser.get("/device", {"code": started["user_code"]})
    assert asked.status_code == 302 and asked["Location"].startswith("/login?next=/device")
    make_user()
    signed = sign_in(browser, next=f"/device?code={started['user_code']}")
    assert signed["Location"] == f"/device?code={started['user_code']}"
    assert answer(browser, started).status_code == 200


def test_a_denial_tells_the_device(tv, signed_in_browser):
    started = start(tv)
    answer(signed_in_browser, started, action="deny")
    assert poll(tv, started).json()["error"] == "access_denied"


def test_the_confirmation_needs_the_pages_csrf_token(tv, make_user):
    """Another page of the site must not confirm an attacker's code for a signed-in person."""
    make_user()
    signed_in = Client()
    sign_in(signed_in)
    browser = Client(enforce_csrf_checks=True)
    browser.cookies = signed_in.cookies  # the person's session, on a client that checks CSRF
    started = start(tv)
    assert browser.get("/device", {"code": started["user_code"]}).status_code == 200  # signed in
    forged = browser.post(f"/device?code={started['user_code']}", {"action": "confirm"})
    assert forged.status_code == 403
    assert poll(tv, started).json()["error"] == "authorization_pending"


def test_a_wrong_code_is_told_and_guesses_are_bounded(tv, signed_in_browser):
    start(tv)
    wrong = signed_in_browser.get("/device", {"code": "WXYZ-BCDF"})
    assert wrong.status_code == 200 and b"code-error" in wrong.content
    for _ in range(6):
        last = signed_in_browser.get("/device", {"code": "WXYZ-BCDF"})
    assert b"code-error" in last.content and b"many" in last.content.lower()


def test_a_sign_in_ended_before_the_poll_gives_the_device_nothing(tv, signed_in_browser):
    started = start(tv)
    answer(signed_in_browser, started)
    AuthToken.objects.all().delete()  # logoutAll, a new password
    assert poll(tv, started).json()["error"] == "invalid_grant"


def test_ending_the_sign_in_ends_the_devices_tokens(tv, signed_in_browser, gql, login):
    started = start(tv)
    answer(signed_in_browser, started)
    tokens = poll(tv, started).json()
    token = login()
    listed = gql("{ me { applications { name } } }", token=token)["me"]["applications"]
    assert listed == [{"name": "Living-room TV"}]
    revoke = "mutation($id: ID!) { revokeSession(id: $id) { success } }"
    assert gql(revoke, {"id": hosted_session_id(gql, token)}, token=token)["revokeSession"]["success"]
    refreshed = Client().post(
        "/identity/o/api/token",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": tv.client_id},
    )
    assert refreshed.json()["error"] == "invalid_grant"


def test_only_clients_given_the_grant_may_ask(app, register):
    web = register(name="Web", public=True)
    refused = form_post("/identity/o/api/device/code", {"client_id": web.client_id})
    assert (refused.status_code, refused.json()["error"]) == (400, "unauthorized_client")
    confidential = form_post("/identity/o/api/device/code", {"client_id": app.client_id})
    assert (confidential.status_code, confidential.json()["error"]) == (400, "unauthorized_client")
    unknown = form_post("/identity/o/api/device/code", {"client_id": "nobody"})
    assert (unknown.status_code, unknown.json()["error"]) == (401, "invalid_client")


def test_device_codes_are_bounded_per_ip(tv):
    answers = [form_post("/identity/o/api/device/code", {"client_id": tv.client_id}) for _ in range(11)]
    assert [a.status_code for a in answers[:10]] == [200] * 10
    assert answers[10].status_code == 429 and answers[10].json()["error"] == "temporarily_unavailable"


def test_a_malformed_resource_is_refused_not_a_500(tv):
    answer = form_post("/identity/o/api/device/code", {"client_id": tv.client_id, "resource": "not a uri"})
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_target")


def test_the_page_says_what_the_device_will_see(tv, signed_in_browser):
    started = start(tv)
    page = signed_in_browser.get("/device", {"code": started["user_code"]})
    assert b'id="device-scopes"' in page.content and b"See your email address" in page.content


def test_tokens_are_refused_when_the_code_went_to_another_person_than_the_sign_in_bound(
    tv, signed_in_browser, make_user
):
    """Two people confirming one code at once: the cache's last write names one,
    the binding may name the other; the poll gives nothing rather than one
    person's tokens on the other's sign-in."""
    from allauth.idp.oidc.internal.oauthlib import device_codes
    from django.core.cache import cache

    started = start(tv)
    answer(signed_in_browser, started)
    key = device_codes.cache_device_code_key(started["device_code"])
    state = cache.get(key)
    state["user"] = str(make_user("bob@example.com").pk)
    cache.set(key, state, 300)
    assert poll(tv, started).json()["error"] == "invalid_grant"
