"""The hosted sign-up page (PUBLIC_URL/signup, provider/pages.py): register's
rules and answer, OIDC's prompt=create, and the way back to the application
through the verification link and the hosted login, the address filled in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client

from tests.documents import STRONG_PASSWORD
from tests.provider.conftest import authorize, code_from
from tests.support import key_from
from users.models import User

pytestmark = pytest.mark.django_db


def sign_up(browser: Client, capture, email: str, password: str = STRONG_PASSWORD, next_url: str = ""):
    with capture(execute=True):
        return browser.post("/signup", {"email": email, "password": password, "next": next_url})


def test_the_page_shows_the_password_rules_in_place():
    page = Client().get("/signup").content.decode()
    assert 'id="password-rules"' in page and "at least" in page


def test_a_sign_up_says_check_your_mail_and_sends_the_link(django_capture_on_commit_callbacks):
    answer = sign_up(Client(), django_capture_on_commit_callbacks, "Grace@Example.com")
    assert answer.status_code == 200 and 'id="check-mail"' in answer.content.decode()
    assert User.objects.get().email == "grace@example.com"
    assert key_from(mail.outbox[-1])


def test_a_taken_address_gets_the_same_answer(make_user, django_capture_on_commit_callbacks):
    make_user("ada@example.com")
    taken = sign_up(Client(), django_capture_on_commit_callbacks, "ada@example.com")
    new = sign_up(Client(), django_capture_on_commit_callbacks, "grace@example.com")
    mark = 'id="check-mail"'
    assert taken.status_code == new.status_code == 200
    assert mark in taken.content.decode() and mark in new.content.decode()
    assert User.objects.count() == 2  # the owner of the taken one was told by mail instead


def test_a_weak_password_is_refused_with_its_reason(django_capture_on_commit_callbacks):
    answer = sign_up(Client(), django_capture_on_commit_callbacks, "grace@example.com", password="password")
    assert answer.status_code == 400 and "too common" in answer.content.decode()
    assert not User.objects.exists() and 'value="grace@example.com"' in answer.content.decode()


def test_the_sign_up_form_needs_its_csrf_token():
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/signup", {"email": "grace@example.com", "password": STRONG_PASSWORD}).status_code == 403


def test_prompt_create_signs_up_then_goes_back_to_the_application(app, django_capture_on_commit_callbacks):
    browser = Client()
    to_signup = authorize(browser, app, prompt="create")
    assert to_signup.status_code == 302 and to_signup.url.startswith("/signup?next=")
    resumed = parse_qs(urlsplit(to_signup.url).query)["next"][0]
    assert "prompt" not in resumed and resumed.startswith("/identity/o/authorize?")
    assert browser.get(to_signup.url).status_code == 200
    sign_up(browser, django_capture_on_commit_callbacks, "grace@example.com", next_url=resumed)
    link = next(line for line in mail.outbox[-1].body.split() if "/verify-email/" in line)
    assert "?next=" in link
    # The person confirms in the page (the API's verifyEmail), which then offers the way back.
    landing = browser.get(urlsplit(link).path + "?" + urlsplit(link).query)
    page = landing.content.decode()
    continue_url = page.split('id="continue" href="')[1].split('"')[0].replace("&amp;", "&")
    assert continue_url.startswith(resumed) and "login_hint=grace%40example.com" in continue_url
    with django_capture_on_commit_callbacks(execute=True):
        verified = browser.post(
            "/graphql/",
            {
                "query": "mutation($k: String!) { verifyEmail(key: $k) { success } }",
                "variables": {"k": key_from(mail.outbox[-1])},
            },
            content_type="application/json",
        )
    assert verified.json()["data"]["verifyEmail"]["success"]
    to_login = browser.get(continue_url)
    assert to_login.status_code == 302 and to_login.url.startswith("/login?next=")
    login_page = browser.get(to_login.url).content.decode()
    assert 'value="grace@example.com"' in login_page  # filled in from login_hint
    signed_in = browser.post(
        "/login",
        {
            "step": "password",
            "email": "grace@example.com",
            "password": STRONG_PASSWORD,
            "next": parse_qs(urlsplit(to_login.url).query)["next"][0],
        },
    )
    assert code_from(browser.get(signed_in.url))


def test_an_off_site_next_is_not_carried_into_the_link(django_capture_on_commit_callbacks):
    sign_up(Client(), django_capture_on_commit_callbacks, "grace@example.com", next_url="https://evil.example/")
    link = next(line for line in mail.outbox[-1].body.split() if "/verify-email/" in line)
    assert "next=" not in link
