"""Signing in to another application in a real browser: Authlib's OAuth 2.0 /
OpenID Connect client (a standard client library, not hand-built requests) runs
the authorization code flow with PKCE against the live service, Chromium
signs in on the hosted page, and the client checks what it gets."""

from __future__ import annotations

import secrets

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from provider import clients
from tests.browser.test_frontend_example import built_example, serve  # noqa: F401
from tests.browser.test_passkeys import add_a_passkey, app, authenticator  # noqa: F401
from tests.documents import STRONG_PASSWORD
from users.models import AuthToken

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The application's callback: the browser is stopped there and the URL handed
# to the client library, as the application's own server would receive it.
CALLBACK = "http://localhost:9/callback"


@pytest.fixture
def provider(live_server, settings):
    settings.PUBLIC_URL = live_server.url
    discovery = requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == live_server.url
    return discovery


@pytest.fixture
def oauth():
    """Authlib clients, closed before the live server stops: a kept-alive
    connection would be closed from the wrong thread at its shutdown."""
    sessions = []

    def make(*args, **kwargs) -> OAuth2Session:
        sessions.append(OAuth2Session(*args, **kwargs))
        return sessions[-1]

    yield make
    for session in sessions:
        session.close()


@pytest.fixture
def application():
    client, secret = clients.create(name="Orders", redirect_uris=[CALLBACK])
    return client.id, secret


def sign_in_through_the_browser(
    page, session: OAuth2Session, provider: dict, nonce: str, verifier: str, screenshot=lambda name: None, consent=False
) -> str:
    """Send the browser to the authorization URL the library built; sign in on
    the hosted page; return the callback URL the browser was sent to."""
    url, state = session.create_authorization_url(
        provider["authorization_endpoint"], nonce=nonce, code_verifier=verifier
    )
    assert "code_challenge=" in url and "code_challenge_method=S256" in url
    callbacks = []
    page.route(f"{CALLBACK}*", lambda route: (callbacks.append(route.request.url), route.fulfill(body="signed in")))
    page.goto(url)
    screenshot("hosted-login")
    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    if consent:
        page.get_by_role("heading", name="Allow SPA?").wait_for()
        screenshot("consent")
        page.get_by_role("button", name="Allow").click()
    page.get_by_text("signed in").wait_for()
    (callback,) = callbacks
    return callback


@pytest.mark.usefixtures("ada")
def test_a_client_library_signs_in_through_the_hosted_page_and_checks_every_token(
    page, provider, application, screenshot, oauth
):
    client_id, client_secret = application
    session = oauth(client_id, client_secret, scope="openid email", redirect_uri=CALLBACK, code_challenge_method="S256")
    nonce, verifier = generate_token(20), generate_token(48)
    callback = sign_in_through_the_browser(page, session, provider, nonce, verifier, screenshot)

    token = session.fetch_token(provider["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    keys = KeySet.import_key_set(requests.get(provider["jwks_uri"], timeout=10).json())
    claims = jwt.decode(token["id_token"], keys, algorithms=["RS256"]).claims  # the signature
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": provider["issuer"]},
        aud={"essential": True, "value": client_id},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
    ).validate(claims)
    assert (claims["email"], claims["email_verified"]) == ("ada@example.com", True)

    userinfo = session.get(provider["userinfo_endpoint"]).json()
    assert userinfo == {"sub": claims["sub"], "email": "ada@example.com", "email_verified": True}

    # The hosted page's sign-in is a session of the account like any other.
    assert AuthToken.objects.filter(user__email="ada@example.com").count() == 1

    first_refresh = token["refresh_token"]
    refreshed = session.refresh_token(provider["token_endpoint"])
    assert refreshed["refresh_token"] != first_refresh and refreshed["access_token"] != token["access_token"]
    with pytest.raises(OAuthError, match="invalid_grant"):
        session.refresh_token(provider["token_endpoint"], refresh_token=first_refresh)


@pytest.mark.usefixtures("ada")
def test_a_public_client_with_pkce_and_a_wrong_verifier(page, provider, screenshot, oauth):
    """A public client on a loopback redirect is asked consent for (any local
    program could use its id), and its code needs the right verifier."""
    client, _ = clients.create(name="SPA", redirect_uris=[CALLBACK], public=True)
    session = oauth(client.id, scope="openid", redirect_uri=CALLBACK, code_challenge_method="S256")
    verifier = generate_token(48)
    callback = sign_in_through_the_browser(
        page, session, provider, secrets.token_hex(8), verifier, screenshot, consent=True
    )
    with pytest.raises(OAuthError, match="invalid_grant"):
        session.fetch_token(
            provider["token_endpoint"], authorization_response=callback, code_verifier=generate_token(48)
        )


@pytest.mark.usefixtures("ada")
def test_the_hosted_page_signs_in_with_a_passkey_and_asks_a_password_login_for_it(
    page,
    app,  # noqa: F811 (a fixture)
    live_server,
    authenticator,  # noqa: F811 (a fixture)
    application,
    screenshot,
    oauth,
):
    """A passkey added through the API (the example app) signs in on the hosted
    page alone, and answers the second step of a password sign-in there."""
    add_a_passkey(page, app, live_server)
    provider = requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=10).json()
    client_id, client_secret = application
    callbacks = []
    page.route(f"{CALLBACK}*", lambda route: (callbacks.append(route.request.url), route.fulfill(body="signed in")))

    def start() -> tuple[OAuth2Session, str]:
        session = oauth(client_id, client_secret, scope="openid", redirect_uri=CALLBACK)
        url, _ = session.create_authorization_url(provider["authorization_endpoint"], nonce=generate_token(20))
        page.goto(url)
        return session

    session = start()
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.get_by_text("signed in").wait_for()
    token = session.fetch_token(provider["token_endpoint"], authorization_response=callbacks[-1])
    assert "id_token" in token

    page.context.clear_cookies()
    session = start()
    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="Confirm it is you").wait_for()
    screenshot("hosted-login-second-step")
    page.get_by_role("button", name="Use your security key or passkey").click()
    page.get_by_text("signed in").wait_for()
    assert len(callbacks) == 2
    assert "id_token" in session.fetch_token(provider["token_endpoint"], authorization_response=callbacks[-1])
