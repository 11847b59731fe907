"""A person opens the links from the emails in a real browser."""

import json
import re
import urllib.request
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.utils import timezone

from tests.documents import LOGIN, REGISTER, REQUEST_RESET, STRONG_PASSWORD
from tests.support import key_from

# In trusted-documents mode: the pages' own documents run whatever the manifest holds.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("only_its_own_documents"),
]

NEW_PASSWORD = "a fresh and long passphrase"


@pytest.fixture
def graphql(live_server):
    """Calls the live server over HTTP, as a client app would (the test thread runs
    Playwright's event loop, in which Django would run resolvers as coroutines)."""

    def call(query, variables):
        body = json.dumps({"query": query, "variables": variables}).encode()
        request = urllib.request.Request(f"{live_server.url}/graphql/", body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["data"]

    return call


def link(live_server, kind, key):
    return f"{live_server.url}/{kind}/{key}"


def graphql_requests(page):
    seen = []
    page.on("request", lambda request: seen.append(request) if "/graphql/" in request.url else None)
    return seen


def test_verify_link_confirms_the_address_when_the_person_clicks(graphql, live_server, page, mailoutbox, screenshot):
    graphql(REGISTER, {"email": "grace@example.com", "password": STRONG_PASSWORD})
    sent = graphql_requests(page)
    page.goto(link(live_server, "verify-email", key_from(mailoutbox[0])))
    page.get_by_text("grace@example.com").wait_for()
    page.wait_for_load_state("networkidle")
    screenshot("verify-email-confirm")
    # A mail scanner that renders the page and runs its script verifies nothing.
    assert sent == [] and not EmailAddress.objects.get(email="grace@example.com").verified
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Email address confirmed").wait_for()
    screenshot("verify-email-success")
    assert EmailAddress.objects.get(email="grace@example.com").verified
    assert graphql(LOGIN, {"email": "grace@example.com", "password": STRONG_PASSWORD})["login"]["success"]


def test_expired_verify_link_offers_a_new_one(live_server, page, make_user, mailoutbox, screenshot):
    user = make_user("grace@example.com", verified=False)
    with time_machine.travel(timezone.now() - timedelta(days=4)):
        key = EmailConfirmationHMAC(EmailAddress.objects.get(user=user)).key
    page.goto(link(live_server, "verify-email", key))
    page.get_by_role("heading", name="This link has expired").wait_for()
    page.get_by_label("Email address").fill("grace@example.com")
    screenshot("verify-email-expired")
    page.get_by_role("button", name="Send a new link").click()
    page.get_by_text("a new link is on its way").wait_for()
    screenshot("verify-email-resent")
    (mail,) = mailoutbox
    assert mail.to == ["grace@example.com"]


def test_tampered_verify_link_says_invalid(graphql, live_server, page, mailoutbox, screenshot):
    graphql(REGISTER, {"email": "grace@example.com", "password": STRONG_PASSWORD})
    key = key_from(mailoutbox[0])
    page.goto(link(live_server, "verify-email", key[:-2] + "xx"))
    page.get_by_role("heading", name="This link is not valid").wait_for()
    screenshot("verify-email-invalid")
    assert not EmailAddress.objects.get(email="grace@example.com").verified


@pytest.fixture
def reset_link(graphql, live_server, make_user, mailoutbox):
    make_user("ada@example.com")
    graphql(REQUEST_RESET, {"email": "ada@example.com"})
    return link(live_server, "reset-password", key_from(mailoutbox[0], "reset-password"))


def submit_new_password(page, password, confirmation=None):
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Confirm the new password").fill(password if confirmation is None else confirmation)
    page.get_by_role("button", name="Set new password").click()


def test_reset_form_sets_a_new_password(graphql, reset_link, page, screenshot):
    page.goto(reset_link)
    screenshot("reset-password-form")
    submit_new_password(page, NEW_PASSWORD)
    page.get_by_role("heading", name="Your password has been changed").wait_for()
    screenshot("reset-password-success")
    assert graphql(LOGIN, {"email": "ada@example.com", "password": NEW_PASSWORD})["login"]["success"]


def test_weak_password_shows_the_reason_in_place(graphql, reset_link, page, screenshot):
    page.goto(reset_link)
    submit_new_password(page, "password1234")
    error = page.locator("#new-password-error")
    error.get_by_text("This password is too common.").wait_for()
    assert page.get_by_label("New password", exact=True).get_attribute("aria-invalid") == "true"
    screenshot("reset-password-weak")
    assert graphql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD})["login"]["success"]


def test_mismatch_is_shown_before_sending(reset_link, page):
    page.goto(reset_link)
    sent = graphql_requests(page)
    submit_new_password(page, NEW_PASSWORD, NEW_PASSWORD + "!")
    page.locator("#confirm-password-error").get_by_text("do not match").wait_for()
    assert sent == []


def test_tampered_reset_link_says_invalid(graphql, reset_link, page, screenshot):
    page.goto(re.sub(r".$", lambda m: "a" if m.group() != "a" else "b", reset_link))
    submit_new_password(page, NEW_PASSWORD)
    page.get_by_role("heading", name="This link is not valid").wait_for()
    screenshot("reset-password-invalid")
    assert graphql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD})["login"]["success"]


def test_pages_run_under_their_content_security_policy(graphql, live_server, page, mailoutbox):
    """The CSP forbids inline script; a violation would stop the page and be reported."""
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    graphql(REGISTER, {"email": "grace@example.com", "password": STRONG_PASSWORD})
    page.goto(link(live_server, "verify-email", key_from(mailoutbox[0])))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Email address confirmed").wait_for()
    assert violations == []


def test_unlock_link_lets_this_network_sign_in(graphql, live_server, page, make_user, mailoutbox, screenshot, settings):
    """Past the account-wide lock, the owner's link, clicked, lets them in from there."""
    make_user("ada@example.com")
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_failed_account": "3/h/key"}
    for _ in range(3):
        graphql(LOGIN, {"email": "ada@example.com", "password": "not the password at all"})
    locked = graphql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD})["login"]
    assert locked["errors"][0]["code"] == "RATE_LIMITED"
    (notice,) = mailoutbox
    key = re.search(r"/unlock-account/(\S+)", notice.body).group(1)
    page.goto(link(live_server, "unlock-account", key))
    page.get_by_text("ada@example.com").wait_for()
    screenshot("unlock-account-confirm")
    page.get_by_role("button", name="Let me sign in").click()
    page.get_by_role("heading", name="You can sign in again").wait_for()
    screenshot("unlock-account-success")
    assert graphql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD})["login"]["success"]


def test_no_passkey_button_shows_before_its_script_can_answer_it(live_server, page, ada):
    """The hosted login's passkey buttons work only through login.js: shown before
    it runs (a slow network, a blocked script), a click on one did nothing."""
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=ada, type=Authenticator.Type.WEBAUTHN, data={"name": "key"})
    page.route("**/provider/login.js", lambda route: route.abort())
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="Confirm it is you").wait_for()
    assert not page.locator("#mfa-key-button").is_visible()
    assert not page.locator("#passkey-button").is_visible()


@pytest.fixture
def french_page(browser):
    """A browser whose language is French (its Accept-Language)."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 720, "height": 640})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_page_its_script_and_the_apis_answers_speak_the_browsers_language(graphql, reset_link, french_page):
    page = french_page
    page.goto(reset_link)
    page.get_by_role("heading", name="Choisir un nouveau mot de passe").wait_for()
    page.get_by_label("Nouveau mot de passe", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirmez le nouveau mot de passe").fill(NEW_PASSWORD + "!")
    page.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    page.locator("#confirm-password-error").get_by_text("Les deux mots de passe ne correspondent pas.").wait_for()
    page.get_by_label("Nouveau mot de passe", exact=True).fill("password1234")
    page.get_by_label("Confirmez le nouveau mot de passe").fill("password1234")
    page.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    page.locator("#new-password-error").get_by_text("Ce mot de passe est trop courant.").wait_for()
