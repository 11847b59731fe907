"""PUBLIC_URL/account as a browser meets it: only for someone signed in on the
hosted pages, never in a frame, no inline script, and nothing another site can
make the browser do with its session cookie (what the page does, it does through
the API, tests/browser/test_account_page.py)."""

import json
import re

import pytest
from django.test import Client

from users.models import User

pytestmark = pytest.mark.django_db

DELETE = json.dumps({"query": "mutation { deleteAccount { success errors { code } } }"})


def test_nobody_signed_in_is_sent_to_sign_in_and_back():
    answer = Client().get("/account")
    assert answer.status_code == 302 and answer["Location"] == "/login?next=%2Faccount"


def test_the_page_is_never_framed_cached_or_given_inline_script(signed_in_browser):
    answer = signed_in_browser.get("/account")
    assert answer.status_code == 200
    assert answer["X-Frame-Options"] == "DENY"
    policy = answer["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "no-store" in answer["Cache-Control"]
    assert answer["Referrer-Policy"] == "same-origin"
    scripts = re.findall(r"<script([^>]*)>", answer.content.decode())
    assert scripts and all("src=" in attributes for attributes in scripts)


def test_only_get_is_answered(signed_in_browser):
    assert signed_in_browser.post("/account").status_code in (403, 405)  # CSRF refuses it first
    assert signed_in_browser.put("/account").status_code == 405


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example", "content_type": "application/json"},
        {"content_type": "text/plain"},  # a form another site may post with no preflight
    ],
    ids=["another-origin", "simple-request"],
)
def test_another_site_cannot_act_with_the_pages_session(signed_in_browser, headers):
    answer = signed_in_browser.post("/graphql/", DELETE, **headers)
    assert User.objects.exists()
    assert answer.status_code != 200 or json.loads(answer.content)["data"]["deleteAccount"]["errors"][0]["code"] == (
        "NOT_AUTHENTICATED"
    )


def test_the_page_itself_acts_with_its_session(signed_in_browser):
    """The counterpart of the test above: the same call from the page's own origin is the person's."""
    answer = signed_in_browser.post(
        "/graphql/", DELETE, content_type="application/json", HTTP_ORIGIN="http://testserver"
    )
    assert json.loads(answer.content)["data"]["deleteAccount"] == {"success": True, "errors": []}
    assert not User.objects.exists()


@pytest.mark.parametrize("language, french", [("fr", True), ("en", False), ("xx", False)])
def test_the_scripts_messages_come_in_the_pages_language(language, french):
    answer = Client().get("/pages/messages.js", {"lang": language})
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/javascript")
    assert ("Ce navigateur" in answer.content.decode("utf-8")) is french


def test_the_hosted_login_signed_in_leads_to_the_account_page(signed_in_browser):
    assert 'id="manage-account" href="/account"' in signed_in_browser.get("/login").content.decode()
