"""The hosted login page: the same rules as the GraphQL `login`, through the same
flows, and the pages around it (consent, sign-out, errors, forgot password)."""

from __future__ import annotations

import re

import pytest
import time_machine
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.test import Client

from tests.documents import LOGIN, STRONG_PASSWORD
from tests.provider.conftest import REDIRECT_URI, authorize, code_from, exchange, sign_in
from tests.support import totp
from users.authentication import session_cookie_name
from users.models import AuthToken, User

pytestmark = pytest.mark.django_db

ME_SESSIONS = "{ me { sessions { id current } } }"


def error_of(response) -> str:
    found = re.search(rb'id="form-error"[^>]*>(.*?)</div>', response.content, re.S)
    return re.sub(r"<[^>]+>", " ", found.group(1).decode()).strip() if found else ""


def cookie_of(browser: Client) -> str:
    return browser.cookies[session_cookie_name()].value


def test_a_person_sent_by_an_application_signs_in_and_goes_back_to_it(app, make_user):
    make_user()
    browser = Client()
    first = authorize(browser, app)
    assert first.status_code == 302 and first["Location"].startswith("/login?next=/identity/o/authorize")
    page = browser.get(first["Location"])
    assert page.status_code == 200 and b'name="password"' in page.content
    assert b"Forgot password?" in page.content and page["Referrer-Policy"] == "same-origin"
    next_url = re.search(rb'name="next" value="([^"]+)"', page.content).group(1).decode().replace("&amp;", "&")
    signed_in = sign_in(browser, next=next_url)
    assert signed_in.status_code == 302 and signed_in["Location"] == next_url
    cookie = signed_in.cookies[session_cookie_name()]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    code = code_from(browser.get(next_url))
    assert exchange(app, code).status_code == 200


def test_the_hosted_sign_in_is_a_session_like_any_other(gql, make_user):
    make_user()
    browser = Client()
    sign_in(browser)
    session = AuthToken.objects.get()
    assert session.user_agent == "" and session.ip_address == "127.0.0.1"
    api_token = gql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD})["login"]["token"]
    sessions = gql(ME_SESSIONS, token=api_token)["me"]["sessions"]
    assert str(session.pk) in {s["id"] for s in sessions}

    gql("mutation { logoutAll { success } }", token=api_token)
    assert browser.get("/login").context["step"] == "password"  # signed out there too
    assert not AuthToken.objects.exists()


def test_a_password_change_ends_the_hosted_session(make_user, app):
    user = make_user()
    browser = Client()
    sign_in(browser)
    assert browser.get("/login").context["step"] == "signed_in"
    user.set_password("a brand new passphrase here")
    user.save()
    assert authorize(browser, app)["Location"].startswith("/login?next=")


def test_a_wrong_password_and_an_unknown_address_read_the_same(make_user):
    make_user()
    wrong = sign_in(Client(), password="not the password at all")
    unknown = sign_in(Client(), email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 400
    assert error_of(wrong) == error_of(unknown) != ""
    assert not AuthToken.objects.exists()


def test_the_brute_force_lock_holds_on_the_page(make_user):
    make_user()
    browser = Client()
    with time_machine.travel("2026-03-02 09:00:00Z", tick=True):
        for _ in range(10):
            assert sign_in(browser, password="not the password at all").status_code == 400
        locked = sign_in(browser)
    assert locked.status_code == 429
    assert error_of(locked).startswith("Too many attempts")
    assert not AuthToken.objects.exists()


def test_an_unverified_address_is_refused_and_sent_a_new_link(make_user, django_capture_on_commit_callbacks):
    make_user(verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in(Client())
    assert response.status_code == 400
    assert "verify" in error_of(response).lower()
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]
    assert "/verify-email/" in mail.outbox[0].body
    assert not AuthToken.objects.exists()


def test_a_deactivated_account_is_refused(make_user):
    make_user(is_active=False)
    response = sign_in(Client())
    assert response.status_code == 403
    assert "disabled" in error_of(response).lower() or "deactivated" in error_of(response).lower()
    assert not AuthToken.objects.exists()


def test_an_account_with_a_second_factor_is_asked_for_it(make_user, clock):
    user = make_user()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    browser = Client()
    step = sign_in(browser, next="/identity/o/authorize?x=1")
    assert step.status_code == 200 and step.context["step"] == "mfa"
    assert not AuthToken.objects.exists()
    mfa_token = step.context["mfa_token"]
    assert b'autocomplete="one-time-code"' in step.content

    fields = {"step": "mfa", "mfa_token": mfa_token, "next": "/identity/o/authorize?x=1", "methods": ["totp"]}
    wrong = browser.post("/login", {**fields, "code": "000000" if totp(secret) != "000000" else "111111"})
    assert wrong.status_code == 400 and wrong.context["step"] == "mfa"  # the step goes on
    done = browser.post("/login", {**fields, "code": totp(secret)})
    assert done.status_code == 302 and done["Location"] == "/identity/o/authorize?x=1"
    assert AuthToken.objects.filter(user=user).count() == 1
    replay = Client().post("/login", {**fields, "code": totp(secret)})
    assert replay.context["step"] == "password"  # the mfaToken is spent: start again


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "http:/evil.example"],
)
def test_next_pointing_off_site_is_not_followed(make_user, next_url):
    make_user()
    response = sign_in(Client(), next=next_url)
    assert response.status_code == 302 and response["Location"] == "/login"


def test_the_sign_in_form_needs_its_csrf_token(make_user):
    make_user()
    browser = Client(enforce_csrf_checks=True)
    refused = sign_in(browser)
    assert refused.status_code == 403
    assert not AuthToken.objects.exists()
    page = browser.get("/login")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()
    assert sign_in(browser, csrfmiddlewaretoken=token).status_code == 302


def test_a_third_party_application_asks_for_consent(register, make_user):
    make_user()
    third = register(consent=True)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/login")
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()
    sign_in(browser, csrfmiddlewaretoken=csrf)
    consent = authorize(browser, third)
    assert consent.status_code == 200 and b"Allow Example app?" in consent.content
    request_field = re.search(rb'name="request" value="([^"]+)"', consent.content).group(1).decode()
    form = {"request": request_field, "scopes": ["openid", "email"], "action": "grant"}

    assert browser.post("/identity/o/authorize", form).status_code == 403  # no CSRF token
    csrf = browser.cookies["csrftoken"].value
    denied = browser.post("/identity/o/authorize", {**form, "action": "cancel", "csrfmiddlewaretoken": csrf})
    assert denied.status_code == 302 and denied["Location"].startswith(REDIRECT_URI)
    assert "error=access_denied" in denied["Location"]
    granted = browser.post("/identity/o/authorize", {**form, "csrfmiddlewaretoken": csrf})
    assert exchange(third, code_from(granted)).status_code == 200


def test_signing_out_of_the_provider_ends_the_session_and_its_cookie(signed_in_browser):
    page = signed_in_browser.get("/identity/o/logout")
    assert page.status_code == 200 and b"Sign out of" in page.content
    csrf = signed_in_browser.cookies["csrftoken"].value
    response = signed_in_browser.post("/identity/o/logout", {"action": "logout", "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302 and response["Location"] == "/login"
    assert response.cookies[session_cookie_name()].value == ""
    assert not AuthToken.objects.exists()


def test_staying_signed_in_keeps_the_session(signed_in_browser):
    signed_in_browser.get("/identity/o/logout")
    csrf = signed_in_browser.cookies["csrftoken"].value
    signed_in_browser.post("/identity/o/logout", {"action": "stay", "csrfmiddlewaretoken": csrf})
    assert AuthToken.objects.count() == 1


def test_the_admins_django_session_signs_nobody_in_here(app, make_user):
    make_user(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(User.objects.get())
    assert authorize(browser, app)["Location"].startswith("/login?next=")


def test_forgot_password_mails_a_link_and_says_the_same_for_anyone(make_user, django_capture_on_commit_callbacks):
    make_user()
    with django_capture_on_commit_callbacks(execute=True):
        known = Client().post("/forgot-password", {"email": "ada@example.com"})
        unknown = Client().post("/forgot-password", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.content.replace(b"ada@example.com", b"") == unknown.content.replace(b"nobody@example.com", b"")
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]
    assert "/reset-password/" in mail.outbox[0].body


def test_pages_send_the_strict_content_security_policy(app):
    for path in ("/login", "/forgot-password"):
        policy = Client().get(path)["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    error = authorize(Client(), app, redirect_uri="https://evil.example/cb")
    assert "frame-ancestors 'none'" in error["Content-Security-Policy"]


def test_the_forms_may_end_at_the_registered_redirect_uri_and_no_other(app, make_user):
    """CSP's form-action binds the redirects a form's answer follows: the sign-in
    form's ends at the application. Only a registered redirect URI is added."""
    make_user()
    first = authorize(Client(), app)
    policy = Client().get(first["Location"])["Content-Security-Policy"]
    assert "form-action 'self' https://app.example.org" in policy
    forged = first["Location"].replace("app.example.org", "evil.example")
    assert "evil.example" not in Client().get(forged)["Content-Security-Policy"]
    assert "form-action 'self';" in Client().get("/login")["Content-Security-Policy"] + ";"


def test_signing_in_rotates_the_csrf_token(make_user):
    make_user()
    browser = Client()
    browser.get("/login")
    before = browser.cookies["csrftoken"].value
    sign_in(browser)
    assert browser.cookies["csrftoken"].value != before
