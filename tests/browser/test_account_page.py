"""The hosted account page in Chromium: a person signed in on the hosted login
manages their account there, every change made through the API with the
session cookie, a step-up asked in place when the API wants a recent sign-in
(time moves past it with time-machine, in the live server's process too)."""

from __future__ import annotations

import re

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core import mail
from django.utils import timezone

from tests.browser.test_passkeys import authenticator  # noqa: F401 (fixture)
from tests.documents import STRONG_PASSWORD
from tests.support import run_jobs, totp
from users.models import AuthToken, User

# In trusted-documents mode: the pages' own documents run whatever the manifest holds.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("only_its_own_documents"),
]

NEW_PASSWORD = "a different horse battery staple"


@pytest.fixture
def hosted(live_server, settings):
    """The service published at the live server's address (localhost: a host WebAuthn accepts)."""
    settings.PUBLIC_URL = live_server.url
    return live_server.url


def sign_in(page, hosted: str, password: str = STRONG_PASSWORD) -> None:
    page.goto(f"{hosted}/account")
    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    ready(page)


def ready(page) -> None:
    page.wait_for_url(re.compile(r"/account$"))
    page.locator("#account[data-ready=true]").wait_for()


def status(page, text: str) -> None:
    page.locator("#status", has_text=text).wait_for()


def later(minutes: int):
    """Past the recent sign-in a sensitive change needs (REAUTHENTICATION_TIMEOUT_SECONDS)."""
    return time_machine.travel(timezone.now() + timezone.timedelta(minutes=minutes), tick=True)


def step_up(page, password: str = STRONG_PASSWORD) -> None:
    dialog = page.get_by_role("dialog", name="Confirm it is you")
    dialog.wait_for()
    dialog.get_by_label("Password").fill(password)
    dialog.get_by_role("button", name="Confirm").click()
    dialog.wait_for(state="hidden")


@pytest.mark.usefixtures("ada")
def test_signing_in_sends_to_the_account_page_which_lists_this_browsers_session(page, hosted, screenshot):
    page.goto(f"{hosted}/account")
    page.wait_for_url(re.compile(r"/login\?next=%2Faccount$"))
    sign_in(page, hosted)
    sessions = page.locator("#session-list li")
    assert sessions.count() == 1 and "This browser" in sessions.inner_text()
    assert page.locator("#event-list tr", has_text="Signed in").count() == 1
    screenshot("account-en")


@pytest.mark.usefixtures("ada")
def test_the_password_is_changed_and_other_sessions_end(page, hosted):
    user = User.objects.get()
    AuthToken.objects.issue(user)  # another device
    sign_in(page, hosted)
    assert page.locator("#session-list li").count() == 2
    page.get_by_label("Current password").fill(STRONG_PASSWORD)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change the password").click()
    status(page, "Your password has been changed")
    assert page.locator("#session-list li").count() == 1
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


@pytest.mark.usefixtures("ada")
def test_a_change_of_address_asks_for_the_password_in_place_once_the_sign_in_is_old(page, hosted):
    sign_in(page, hosted)
    with later(minutes=30):
        page.get_by_label("New address").fill("ada@new.example.com")
        page.get_by_role("button", name="Change the address").click()
        step_up(page)
        status(page, "We sent a link to ada@new.example.com")
    run_jobs()
    assert any("ada@new.example.com" in message.to for message in mail.outbox)


@pytest.mark.usefixtures("ada")
def test_a_step_up_cancelled_changes_nothing(page, hosted):
    sign_in(page, hosted)
    with later(minutes=30):
        page.get_by_label("New address").fill("ada@new.example.com")
        page.get_by_role("button", name="Change the address").click()
        page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
        status(page, "Nothing was changed.")
    run_jobs()
    assert not any("ada@new.example.com" in message.to for message in mail.outbox)


@pytest.mark.usefixtures("ada")
def test_an_authenticator_app_is_added_with_its_qr_code_and_its_recovery_codes_shown_once(page, hosted, screenshot):
    sign_in(page, hosted)
    page.get_by_role("button", name="Add an authenticator app").click()
    qr = page.get_by_role("img", name="QR code of the authenticator app’s secret")
    qr.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", qr.element_handle())
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("The code the app shows").fill(totp(secret))
    page.get_by_role("button", name="Turn on").click()
    status(page, "Two-step verification is on.")
    codes = page.locator("#code-list li")
    assert codes.count() > 0
    screenshot("account-recovery-codes")
    first = codes.first.inner_text()
    page.get_by_role("button", name="I have kept them").click()
    assert page.locator("#code-list li").count() == 0
    assert page.locator("#factor-list li", has_text="Authenticator app").count() == 1

    page.get_by_role("button", name="New recovery codes").click()
    status(page, "New recovery codes")
    assert first not in page.locator("#code-list").inner_text()
    recovery_code = page.locator("#code-list li").first.inner_text()
    page.get_by_role("button", name="I have kept them").click()

    # The last second factor goes only on a factor's proof: the API says so, the dialog asks.
    page.get_by_role("button", name="Remove Authenticator app").click()
    dialog = page.get_by_role("dialog", name="Confirm it is you")
    dialog.get_by_text("needs a code or security key").wait_for()
    dialog.get_by_label("Or a code from your authenticator app, or a recovery code").fill(recovery_code)
    dialog.get_by_role("button", name="Confirm").click()
    status(page, "Removed: Authenticator app.")
    assert not Authenticator.objects.exists()  # the last second factor takes the recovery codes


@pytest.mark.usefixtures("ada")
def test_a_passkey_is_added_with_the_virtual_authenticator_and_answers_a_step_up(page, hosted, authenticator):  # noqa: F811
    sign_in(page, hosted)
    page.get_by_label("Name of the passkey").fill("Laptop")
    page.get_by_role("button", name="Add a passkey").click()
    status(page, "The passkey has been added.")
    assert page.locator("#factor-list li", has_text="Laptop").count() == 1
    # A passkey is a second factor: its account may have recovery codes too.
    page.get_by_role("button", name="New recovery codes").click()
    page.locator("#code-list li").first.wait_for()
    page.get_by_role("button", name="I have kept them").click()
    (key,) = Authenticator.objects.filter(type=Authenticator.Type.WEBAUTHN)
    with later(minutes=30):
        page.get_by_role("button", name="Remove Laptop").click()
        page.get_by_role("dialog").get_by_role("button", name="Use your passkey or security key").click()
        status(page, "Removed: Laptop.")
    assert not Authenticator.objects.filter(pk=key.pk).exists()


@pytest.mark.usefixtures("ada")
def test_another_session_is_ended_then_every_one_with_sign_out_everywhere(page, hosted):
    AuthToken.objects.issue(User.objects.get(), user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)")
    sign_in(page, hosted)
    other = page.locator("#session-list li", has_text="iPhone")
    other.get_by_role("button").click()
    status(page, "The session has been ended.")
    assert page.locator("#session-list li").count() == 1
    AuthToken.objects.issue(User.objects.get())
    page.get_by_role("button", name="Sign out everywhere").click()
    page.wait_for_url(re.compile(r"/login\?next=%2Faccount$"))
    assert not AuthToken.objects.exists()


@pytest.mark.usefixtures("ada")
def test_signing_out_ends_this_browsers_session_only(page, hosted):
    AuthToken.objects.issue(User.objects.get())
    sign_in(page, hosted)
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(re.compile(r"/login\?next=%2Faccount$"))
    assert AuthToken.objects.count() == 1
    page.goto(f"{hosted}/account")
    page.wait_for_url(re.compile(r"/login\?next=%2Faccount$"))


@pytest.mark.usefixtures("ada")
def test_an_application_and_a_linked_sign_in_are_listed_and_taken_back(page, hosted):
    from allauth.socialaccount.models import SocialAccount

    from federation.models import IdentityProvider
    from provider import clients
    from provider.models import Consent

    ada = User.objects.get()
    client, _ = clients.create(
        name="Payroll", redirect_uris=["https://payroll.example/callback"], grants=["authorization_code"]
    )
    Consent.objects.create(user=ada, client=client, scopes="openid email", granted_at=timezone.now())
    corp = IdentityProvider(slug="corp", name="Corp directory", issuer="https://corp.example", client_id="gql-auth")
    corp.client_secret = "s3cret"
    corp.save()
    SocialAccount.objects.create(user=ada, provider="corp", uid="ada", extra_data={"email": "ada@corp.example"})
    sign_in(page, hosted)

    page.get_by_role("button", name="Revoke the access of Payroll").click()
    status(page, "Payroll no longer has access.")
    assert not Consent.objects.exists()
    page.get_by_text("No application holds access to your account.").wait_for()

    assert "ada@corp.example" in page.locator("#identity-list").inner_text()
    page.get_by_role("button", name="Unlink Corp directory").click()
    status(page, "Corp directory no longer signs you in.")
    assert not SocialAccount.objects.exists()


@pytest.mark.usefixtures("ada")
def test_the_language_chosen_is_the_pages_and_the_accounts(page, hosted, screenshot):
    sign_in(page, hosted)
    page.get_by_label("Pages and mails in").select_option("fr")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Votre compte").wait_for()
    page.locator("#account[data-ready=true]").wait_for()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Ce navigateur" in page.locator("#session-list").inner_text()  # the script's own messages too
    assert User.objects.get().language == "fr"
    screenshot("account-fr")


@pytest.mark.usefixtures("ada")
def test_the_account_is_deleted_after_a_confirmation(page, hosted, screenshot):
    sign_in(page, hosted)
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_text("Tick the box to confirm.").wait_for()
    assert User.objects.exists()
    page.get_by_label("I understand: delete my account").check()
    with later(minutes=30):
        page.get_by_role("button", name="Delete my account").click()
        step_up(page)
        page.get_by_role("heading", name="Your account has been deleted").wait_for()
    assert not User.objects.exists()
    screenshot("account-deleted")
    page.goto(f"{hosted}/account")
    page.wait_for_url(re.compile(r"/login\?next=%2Faccount$"))


@pytest.mark.usefixtures("ada")
def test_no_page_may_frame_the_account_page_not_even_the_services_own(page, hosted):
    sign_in(page, hosted)
    framer = f"{hosted}/framer"  # made up by the test, on the service's own origin: the frame gets the cookie
    page.route(framer, lambda route: route.fulfill(
        content_type="text/html", body='<iframe id="framed" src="/account"></iframe>'))  # fmt: skip
    page.goto(framer)
    page.wait_for_timeout(500)  # the frame's answer is refused, not awaited
    assert page.frame_locator("#framed").locator("#page").count() == 0
