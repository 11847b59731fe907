"""The landing pages as served, before any script runs."""

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC

from users import reset_keys


@pytest.fixture
def pending(make_user):
    return make_user("grace@example.com", verified=False)


@pytest.mark.parametrize("kind", ["verify-email", "reset-password"])
def test_opening_a_link_changes_nothing(client, pending, kind):
    """Mail scanners prefetch links: a GET must neither verify nor spend a key."""
    address = EmailAddress.objects.get(user=pending)
    key = EmailConfirmationHMAC(address).key if kind == "verify-email" else reset_keys.make_key(pending)
    for _ in range(2):
        assert client.get(f"/{kind}/{key}").status_code == 200
    address.refresh_from_db()
    pending.refresh_from_db()
    assert not address.verified
    if kind == "reset-password":
        assert reset_keys.check(pending, key).value == "valid"


@pytest.mark.parametrize("kind", ["verify-email", "reset-password", "unlock-account"])
def test_key_pages_leak_the_key_nowhere(client, kind):
    response = client.get(f"/{kind}/some-key")
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = response.content.decode()
    assert '<meta name="referrer" content="no-referrer">' in html
    # Every script is a file the service serves (its static files, its messages): none inline, none from elsewhere.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(re.search(r'src="/(static|pages)/', attrs) and not body.strip() for attrs, body in scripts)
    assert "https://" not in html.replace(response.wsgi_request.build_absolute_uri("/"), "")


def test_the_key_is_escaped_into_the_page(client):
    response = client.get('/verify-email/"><script>alert(1)</script>')
    assert "<script>alert(1)</script>" not in response.content.decode()


@pytest.mark.parametrize(
    "asset",
    ["users/pages.css", "users/api.js", "users/verify-email.js", "users/reset-password.js", "users/unlock-account.js"],
)
def test_page_assets_are_served(client, asset):
    response = client.get(f"/static/{asset}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])


def test_login_pointer_follows_the_setting(client, settings):
    settings.LOGIN_PAGE_URL = "https://app.example.org/login"
    response = client.get("/reset-password/some-key")
    assert 'href="https://app.example.org/login"' in response.content.decode()


def test_the_verify_page_shows_the_address_and_asks_for_a_click(client, pending):
    key = EmailConfirmationHMAC(EmailAddress.objects.get(user=pending)).key
    html = client.get(f"/verify-email/{key}").content.decode()
    assert "grace@example.com" in html and 'id="confirm"' in html
    confirm = re.search(r'<section data-state="confirm"([^>]*)>', html).group(1)
    assert "hidden" not in confirm


@pytest.mark.parametrize("key, state", [("forged:key:here", "invalid"), ("\u00e9", "invalid")])
def test_the_verify_page_says_at_once_when_a_key_is_no_good(client, key, state):
    html = client.get(f"/verify-email/{key}").content.decode()
    shown = re.findall(r'<section data-state="(\w+)"(?! hidden)', html)
    assert shown == [state]
