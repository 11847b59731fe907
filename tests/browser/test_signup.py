"""Signing up from an application, in Chromium: the application asks for
`prompt=create` (Authlib builds the request), the hosted sign-up page makes the
account, the verification link's page confirms it and goes back to the
application's authorization, the hosted login has the address filled in, and
the application gets its code and tokens."""

# ruff: noqa: F811 (the fixtures imported from test_oidc are the test's arguments)
from __future__ import annotations

import pytest
from authlib.common.security import generate_token
from django.core import mail

from tests.browser.test_oidc import CALLBACK, application, oauth, provider  # noqa: F401 (fixtures)
from tests.documents import STRONG_PASSWORD
from users.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_application_sends_a_new_person_to_sign_up_and_gets_them_back_signed_in(
    page, provider, application, oauth, screenshot
):
    client_id, client_secret = application
    session = oauth(client_id, client_secret, scope="openid email", redirect_uri=CALLBACK, code_challenge_method="S256")
    verifier = generate_token(48)
    url, _ = session.create_authorization_url(
        provider["authorization_endpoint"], nonce=generate_token(20), code_verifier=verifier, prompt="create"
    )
    callbacks = []
    page.route(f"{CALLBACK}*", lambda route: (callbacks.append(route.request.url), route.fulfill(body="signed in")))
    page.goto(url)
    page.get_by_role("heading", name="Create an account").wait_for()
    page.get_by_label("Email address").fill("grace@example.com")
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Create the account").click()
    page.locator("#check-mail").wait_for()
    screenshot("signup-check-mail")
    link = next(word for word in mail.outbox[-1].body.split() if "/verify-email/" in word)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("link", name="Continue to the application").click()
    assert page.get_by_label("Email address").input_value() == "grace@example.com"
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text("signed in").wait_for()
    (callback,) = callbacks
    token = session.fetch_token(provider["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    assert "id_token" in token
    assert User.objects.get().email_verified


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_hosted_pages_in_each_language(page, live_server, screenshot, language):
    """What a person sees, in English and in French (docs/applications.md shows these)."""
    page.goto(f"{live_server.url}/login?lang={language}")
    assert page.locator("html").get_attribute("lang") == language
    screenshot(f"hosted-login-{language}")
    page.goto(f"{live_server.url}/signup?lang={language}")
    heading = {"en": "Create an account", "fr": "Créer un compte"}[language]
    page.get_by_role("heading", name=heading).wait_for()
    screenshot(f"signup-{language}")
