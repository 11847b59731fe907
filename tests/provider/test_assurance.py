"""What ID tokens say of how the person signed in (amr, acr), and the step-up
an application asks for with acr_values."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.utils import timezone

from provider import assurance
from tests.provider.conftest import authorize, code_from, exchange, sign_in, token_request, verify
from tests.support import totp
from users.models import AuthToken

pytestmark = pytest.mark.django_db

MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"


def id_token(app, browser, **params) -> dict:
    return exchange(app, code_from(authorize(browser, app, **params))).json()


def signed_in_with_a_code(make_user) -> tuple[Client, str]:
    user = make_user()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    browser = Client()
    step = sign_in(browser)
    fields = {"step": "mfa", "mfa_token": step.context["mfa_token"], "methods": ["totp"], "code": totp(secret)}
    assert browser.post("/login", fields).status_code == 302
    return browser, secret


def test_a_password_sign_in_says_pwd_and_no_level(app, signed_in_browser):
    claims = verify(id_token(app, signed_in_browser)["id_token"])
    assert claims["amr"] == ["pwd"] and "acr" not in claims


def test_a_sign_in_with_a_code_says_two_factors(app, make_user):
    browser, _ = signed_in_with_a_code(make_user)
    tokens = id_token(app, browser)
    claims = verify(tokens["id_token"])
    assert claims["amr"] == ["pwd", "otp", "mfa"] and claims["acr"] == MFA
    # and so do the access token (RFC 9068 2.2.1) and a refreshed ID token (OIDC Core 12.2)
    assert verify(tokens["access_token"])["acr"] == MFA
    refreshed = token_request(app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json()
    assert verify(refreshed["id_token"])["amr"] == ["pwd", "otp", "mfa"]


@pytest.mark.parametrize(
    ("methods", "asked", "said"),
    [
        ("hwk mfa", "", assurance.PHISHING_RESISTANT),  # a passkey
        ("pwd hwk mfa", f"{MFA} phr", MFA),  # the first asked that is met
        ("pwd otp mfa", "phr", MFA),  # the level reached, for the application to judge
        ("pwd", MFA, None),
    ],
)
def test_the_level_said_is_the_first_asked_that_the_sign_in_meets(make_user, methods, asked, said):
    session, _ = AuthToken.objects.issue(make_user(), methods=methods.split())
    assert assurance.claims(session, asked).get("acr") == said


def test_discovery_names_the_levels(db):
    config = Client().get("/.well-known/openid-configuration").json()
    assert config["acr_values_supported"] == ["phr", MFA]
    assert {"acr", "amr"} <= set(config["claims_supported"])


def test_an_application_asking_for_two_factors_sends_a_password_sign_in_to_sign_in_again(app, signed_in_browser):
    ada = AuthToken.objects.get().user
    TOTP.activate(ada, generate_totp_secret())  # added after this sign-in
    AuthToken.objects.update(authenticated_at=timezone.now() - timedelta(minutes=5))
    again = authorize(signed_in_browser, app, acr_values=MFA)
    assert again.status_code == 302 and again["Location"].startswith("/login?next=")
    silent = authorize(signed_in_browser, app, acr_values=MFA, prompt="none")
    assert "error=login_required" in silent["Location"]


def test_a_sign_in_that_meets_the_level_is_not_asked_again(app, make_user):
    browser, _ = signed_in_with_a_code(make_user)
    AuthToken.objects.update(authenticated_at=timezone.now() - timedelta(minutes=5))
    assert verify(id_token(app, browser, acr_values=MFA)["id_token"])["acr"] == MFA


def test_an_account_that_cannot_reach_the_level_is_not_sent_round(app, signed_in_browser):
    """No second factor: a new sign-in would reach no more. The application reads acr and decides."""
    AuthToken.objects.update(authenticated_at=timezone.now() - timedelta(minutes=5))
    claims = verify(id_token(app, signed_in_browser, acr_values=MFA)["id_token"])
    assert "acr" not in claims and claims["amr"] == ["pwd"]


def test_a_sign_in_just_made_is_not_sent_round_again(app, make_user):
    """A person with a key who chose a code has just chosen: no loop."""
    browser, _ = signed_in_with_a_code(make_user)
    Authenticator.objects.create(user=AuthToken.objects.get().user, type=Authenticator.Type.WEBAUTHN, data={})
    assert verify(id_token(app, browser, acr_values="phr")["id_token"])["acr"] == MFA
    AuthToken.objects.update(authenticated_at=timezone.now() - timedelta(minutes=5))
    assert authorize(browser, app, acr_values="phr")["Location"].startswith("/login?next=")


def test_the_level_asked_passes_the_consent_page(register, make_user):
    third = register(consent=True)
    browser, _ = signed_in_with_a_code(make_user)
    AuthToken.objects.update(methods="pwd hwk mfa")  # meets phr too: said only if not asked for MFA
    page = authorize(browser, third, acr_values=MFA)
    request_field = page.content.decode().split('name="request" value="')[1].split('"')[0]
    granted = browser.post(
        "/identity/o/authorize",
        {
            "request": request_field,
            "scopes": ["openid", "email"],
            "action": "grant",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )
    assert verify(exchange(third, code_from(granted)).json()["id_token"])["acr"] == MFA
