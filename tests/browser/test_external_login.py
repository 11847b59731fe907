"""Signing in through another identity provider, in Chromium, where the
upstream is a second instance of this very service: its own process, database
and port (127.0.0.1, while this one is on localhost, so the two keep their
cookies apart), its OIDC provider with a client registered for this one.
Stand-ins for the answers a real provider never gives are in
tests/federation/test_external_login.py."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialAccount
from django.core.management import call_command

from tests.documents import STRONG_PASSWORD
from tests.servers import Server, create_verified_users, free_port, manage, server_env
from tests.support import totp
from users.models import AuthToken, User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def upstream(tmp_path):
    """The second instance, with grace@corp.example and ada@example.com signed up there."""
    port = free_port()
    env = server_env(f"sqlite:///{tmp_path}/upstream.sqlite3", PUBLIC_URL=f"http://127.0.0.1:{port}")
    create_verified_users(env, ["grace@corp.example", "ada@example.com"], STRONG_PASSWORD)
    server = Server(env, tmp_path / "upstream.log", port=port, worker=False)
    try:
        server.wait_ready()
        server.env = env
        yield server
    finally:
        server.stop()


@pytest.fixture
def downstream(live_server, settings):
    settings.PUBLIC_URL = live_server.url
    return live_server.url


def register(upstream: Server, downstream: str, settings, *options: str) -> None:
    """The guide's two steps: a client at the upstream for this service's
    callback, then the upstream registered here by its issuer."""
    client = json.loads(
        manage(
            upstream.env,
            "oidc_client",
            "create",
            "--name",
            "Downstream gql-auth",
            "--redirect-uri",
            f"{downstream}/login/external/corp/callback",
            *("--scope", "openid", "--scope", "email", "--scope", "profile"),
        )
    )
    settings.DEBUG = True  # the upstream's issuer is http on loopback, as development allows
    call_command(
        "identity_provider",
        "create",
        *("--id", "corp", "--name", "Corp directory", "--issuer", upstream.base),
        f"--client-id={client['client_id']}",
        f"--client-secret={client['client_secret']}",  # a secret may begin with "-"
        *options,
    )
    settings.DEBUG = False


# Run in the page: a same-origin POST with the session cookie, as the page's own script would.
GRAPHQL = """async (body) => {
  const answer = await fetch("/graphql/", {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  });
  return answer.json();
}"""
UNLINK = "mutation($id: ID!) { unlinkIdentity(id: $id) { success errors { field code message } } }"


def sign_in_upstream(page, upstream: Server, email: str) -> None:
    page.wait_for_url(f"{upstream.base}/login**")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_an_address_at_the_directory_domain_signs_in_there_and_gets_a_verified_account(
    page, upstream, downstream, settings, screenshot
):
    register(upstream, downstream, settings, "--domain", "corp.example", "--trust-email")
    callbacks = []
    page.on("request", lambda request: callbacks.append(request.url) if "/callback?" in request.url else None)
    page.goto(f"{downstream}/login")
    screenshot("external-login-buttons")
    page.get_by_label("Email address").fill("grace@corp.example")
    page.get_by_role("button", name="Sign in", exact=True).click()  # no password: the domain routes
    sign_in_upstream(page, upstream, "grace@corp.example")
    page.wait_for_url(f"{downstream}/login**")
    page.get_by_text("Signed in as grace@corp.example").wait_for()
    user = User.objects.get(email="grace@corp.example")
    assert user.email_verified and not user.has_usable_password()
    assert SocialAccount.objects.get().user == user
    assert AuthToken.objects.get(user=user).methods == "fed"
    # The page's own script, on the cookie session: the only way in cannot be unlinked.
    unlink = page.evaluate(GRAPHQL, {"query": "{ me { identities { id } } }"})
    identity = unlink["data"]["me"]["identities"][0]["id"]
    answer = page.evaluate(GRAPHQL, {"query": UNLINK, "variables": {"id": identity}})
    assert answer["data"]["unlinkIdentity"]["errors"][0]["field"] == "id", answer
    assert SocialAccount.objects.count() == 1
    # The way back replayed (the browser's history): its state is spent.
    (back,) = callbacks
    page.goto(back)
    page.locator("#refusal").wait_for()
    assert AuthToken.objects.filter(user=user).count() == 1


def test_an_untrusted_directory_asks_the_existing_account_to_sign_in_then_a_second_factor(
    page, upstream, downstream, settings, make_user, screenshot
):
    register(upstream, downstream, settings)  # not --trust-email
    ada = make_user("ada@example.com")
    secret = generate_totp_secret()
    TOTP.activate(ada, secret)
    page.goto(f"{downstream}/login")
    page.get_by_role("link", name="Sign in with Corp directory").click()
    sign_in_upstream(page, upstream, "ada@example.com")
    page.wait_for_url(f"{downstream}/login**")
    page.locator("#link-notice").wait_for()
    screenshot("external-login-link")
    assert not SocialAccount.objects.exists()
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label("Code").fill(totp(secret))
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("Signed in as ada@example.com").wait_for()
    assert SocialAccount.objects.get().user == ada
    # Next time the directory signs in alone, and the second factor is still asked.
    page.context.clear_cookies()
    page.goto(f"{downstream}/login")
    page.get_by_role("link", name="Sign in with Corp directory").click()
    sign_in_upstream(page, upstream, "ada@example.com")
    page.locator("#mfa-form").wait_for()
    assert not page.locator("#link-notice").count()
