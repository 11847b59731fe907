"""Second factors and passkeys in a real browser: the example frontend (on its
own origin) against the live service, in Chromium with its virtual authenticator
(Chrome DevTools Protocol, `WebAuthn.addVirtualAuthenticator`): a platform
authenticator with resident keys and user verification, as a phone or a laptop's
fingerprint reader is. Nothing in WebAuthn is mocked: fido2, through allauth,
checks every attestation and signature the browser makes."""

from __future__ import annotations

import json
import time

import pytest
import time_machine
from allauth.mfa.models import Authenticator

from tests.browser.test_frontend_example import built_example, open_app, serve, status  # noqa: F401
from tests.support import totp
from users.models import AuthToken

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def authenticator(page):
    """A virtual platform authenticator in this page's browser: (CDP session, its id)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


@pytest.fixture
def app(serve, live_server, settings):  # noqa: F811
    """The example on its own origin, listed; the service published at the live
    server's address, http://localhost:<port>: a host name WebAuthn accepts."""
    origin = serve()
    settings.CORS_ALLOWED_ORIGINS = [origin]
    settings.PUBLIC_URL = live_server.url
    assert live_server.url.startswith("http://localhost:")
    return origin


def click(page, name: str) -> None:
    page.get_by_role("button", name=name).click()


def log_in_with_password(page, app, live_server) -> None:
    open_app(page, app, live_server)
    click(page, "Log in")


def add_a_passkey(page, app, live_server) -> None:
    log_in_with_password(page, app, live_server)
    status(page, "Logged in as ada@example.com (token mode)")
    page.locator("#security summary").click()
    click(page, "Add a passkey")
    status(page, "Passkey added.")


@pytest.mark.usefixtures("ada")
def test_a_passkey_is_added_then_signs_in_alone_and_answers_a_password_logins_second_step(
    page, app, live_server, authenticator, screenshot
):
    cdp, authenticator_id = authenticator
    add_a_passkey(page, app, live_server)
    (key,) = Authenticator.objects.filter(type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().is_passwordless is True  # a resident key: it can name its account
    (stored,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert stored["isResidentCredential"] and stored["rpId"] == "localhost"
    screenshot("passkey-added")

    click(page, "Log out")
    status(page, "Logged out.")
    click(page, "Sign in with a passkey")
    status(page, "Logged in as ada@example.com (token mode)")
    assert AuthToken.objects.count() == 1

    # With a passkey, the password alone no longer signs in: the key answers the second step.
    click(page, "Log out")
    status(page, "Logged out.")
    log_in_with_password(page, app, live_server)
    status(page, "Second step: WEBAUTHN")
    assert AuthToken.objects.count() == 0
    click(page, "Use a security key")
    status(page, "Logged in as ada@example.com (token mode)")
    key.refresh_from_db()
    assert key.last_used_at is not None


@pytest.mark.usefixtures("ada")
def test_a_passkey_from_another_site_or_a_replayed_answer_is_refused(page, app, live_server, authenticator, settings):
    add_a_passkey(page, app, live_server)
    click(page, "Log out")
    status(page, "Logged out.")
    settings.GRAPHQL_TRUSTED_DOCUMENTS = ""  # the test's own documents below, not the app's

    # Capture a real answer, use it once, then replay it.
    api = f"{live_server.url}/graphql/"
    answer = page.evaluate(
        """async (api) => {
          const post = (query, variables) => fetch(api, {method: "POST",
            headers: {"Content-Type": "application/json"}, body: JSON.stringify({query, variables})})
            .then(r => r.json());
          const opts = await post("mutation { webauthnOptions(purpose: LOGIN) { options } }");
          const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(
            opts.data.webauthnOptions.options.publicKey);
          const credential = (await navigator.credentials.get({publicKey})).toJSON();
          const login = "mutation($c: JSON!) { loginWithPasskey(credential: $c) { success errors { code } } }";
          return {credential, first: await post(login, {c: credential}), again: await post(login, {c: credential})};
        }""",
        api,
    )
    assert answer["first"]["data"]["loginWithPasskey"]["success"] is True
    assert answer["again"]["data"]["loginWithPasskey"]["errors"] == [{"code": "INVALID_CODE"}]
    assert AuthToken.objects.count() == 1


@pytest.mark.usefixtures("ada")
def test_an_authenticator_app_is_enrolled_from_its_qr_code_and_signs_in_with_codes(page, app, live_server, screenshot):
    log_in_with_password(page, app, live_server)
    status(page, "Logged in as ada@example.com (token mode)")
    page.locator("#security summary").click()
    click(page, "Set up an authenticator app")
    status(page, "Scan the QR code")
    assert page.locator("#qr").evaluate("img => img.complete && img.naturalWidth > 0")  # the SVG renders
    secret = page.locator("#totp-secret").inner_text()
    screenshot("totp-setup")
    page.locator("#confirm-totp input[name=code]").fill(code_for(secret))
    click(page, "Activate")
    status(page, "Authenticator app active")
    recovery_codes = json.loads(page.locator("#output").inner_text())
    assert len(recovery_codes) == 10

    click(page, "Log out")
    status(page, "Logged out.")
    log_in_with_password(page, app, live_server)
    status(page, "Second step: TOTP, RECOVERY_CODES")
    page.locator("#second-step input[name=code]").fill(recovery_codes[0])
    click(page, "Verify code")
    status(page, "Logged in as ada@example.com (token mode)")

    click(page, "Log out")
    status(page, "Logged out.")
    # The enrolment's code was spent: the next one, from the app's next period.
    with time_machine.travel(time.time() + 30, tick=True):
        log_in_with_password(page, app, live_server)
        status(page, "Second step: TOTP, RECOVERY_CODES")
        page.locator("#second-step input[name=code]").fill(code_for(secret))
        click(page, "Verify code")
        status(page, "Logged in as ada@example.com (token mode)")


def code_for(secret: str) -> str:
    """The app's code now, with time to type it: the browser takes seconds to
    send it, and a code read in a period's last seconds is refused in the next
    (allauth accepts the current period only), so such a code is waited out."""
    left = 30 - time.time() % 30
    if left < 8:
        time.sleep(left + 0.2)
    return totp(secret)
