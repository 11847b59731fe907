"""Applications nobody here wrote, signing people in through the service as
their quickstarts in docs/applications.md say: a Node web app on openid-client
(with oauth4webapi checking its access tokens and jose its logout tokens), a
browser app on oidc-client-ts on another origin, and a Django site on
mozilla-django-oidc. Chromium signs in on the hosted page."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from provider import clients
from tests.browser.test_frontend_example import Quiet
from tests.documents import STRONG_PASSWORD
from tests.servers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RELYING_PARTIES = Path(__file__).resolve().parents[2] / "examples" / "relying-parties"


@pytest.fixture(scope="module")
def installed():
    """The examples' libraries, installed from their lock (npm ci), once."""
    if shutil.which("npm") is None:
        pytest.skip("needs Node.js and npm")
    if not (RELYING_PARTIES / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=RELYING_PARTIES, check=True, timeout=300)
    return RELYING_PARTIES


@pytest.fixture
def issuer(live_server, settings) -> str:
    settings.PUBLIC_URL = live_server.url
    return live_server.url


def wait_for(url: str, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{process.args} ended: {process.stdout.read() if process.stdout else ''}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer in {seconds} s")


@pytest.fixture
def started():
    """Processes the test starts, stopped with it."""
    processes: list[subprocess.Popen] = []

    def start(args: list[str], cwd: Path, env: dict) -> subprocess.Popen:
        process = subprocess.Popen(
            args, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def sign_in_on_the_hosted_page(page) -> None:
    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


@pytest.mark.usefixtures("ada")
def test_a_node_web_app_on_openid_client(page, installed, issuer, started, screenshot):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    client, secret = clients.create(
        name="Orders (Node)",
        redirect_uris=[f"{base}/callback"],
        backchannel_logout_uri=f"{base}/backchannel-logout",
        audience=f"{base}/api",
    )
    env = {
        "INSECURE": "1",  # the guide's development flag: the issuer is http:// on localhost
        "ISSUER": issuer,
        "CLIENT_ID": client.id,
        "CLIENT_SECRET": secret,
        "AUDIENCE": f"{base}/api",
        "PORT": str(port),
    }
    app = started(["node", "web-app.mjs"], installed, env)
    wait_for(f"{base}/state", app)

    page.goto(f"{base}/login")
    sign_in_on_the_hosted_page(page)
    page.get_by_text("Signed in as ada@example.com").wait_for()
    state = requests.get(f"{base}/state", timeout=5).json()
    assert state["errors"] == []
    ((sid, session),) = state["sessions"].items()
    assert session["email"] == "ada@example.com" and session["amr"] == ["pwd"] and session["active"]
    assert session["refreshedSub"] == session["sub"]  # a refreshed ID token names the same person
    assert session["api"] == {"sub": session["sub"], "client_id": client.id, "scope": "openid email"}
    assert session["afterRevocation"] == "invalid_grant"

    # Signing out on the service tells the application, which ends that session.
    page.goto(f"{issuer}/identity/o/logout")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    state = requests.get(f"{base}/state", timeout=5).json()
    assert state["errors"] == [] and state["logouts"] == [{"sub": session["sub"], "sid": sid}]
    assert state["sessions"][sid]["active"] is False


@pytest.fixture
def spa_origin(installed):
    """The SPA's files, served on an origin of their own."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(installed / "spa" / "public"))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def spa_state(page) -> dict:
    # "Not signed in." is the page's own text, there before its script has run and shown its state.
    page.wait_for_function("document.querySelector('#state').textContent !== ''")
    return json.loads(page.locator("#state").text_content())


@pytest.mark.usefixtures("ada")
def test_a_browser_app_on_oidc_client_ts(page, installed, issuer, spa_origin, screenshot):
    client, _ = clients.create(
        name="SPA",
        public=True,
        redirect_uris=[f"{spa_origin}/"],
        post_logout_redirect_uris=[f"{spa_origin}/"],
        cors_origins=[spa_origin],
    )
    env = {**os.environ, "AUTHORITY": issuer, "CLIENT_ID": client.id}
    subprocess.run(["npm", "run", "build-spa"], cwd=installed, env=env, check=True, timeout=120, capture_output=True)

    page.goto(f"{spa_origin}/")
    page.get_by_text("Not signed in.").wait_for()
    page.get_by_role("button", name="Sign in").click()
    sign_in_on_the_hosted_page(page)
    # A public client on a loopback redirect is asked consent for (RFC 8252 8.6).
    page.get_by_role("button", name="Allow").click()
    page.get_by_text("Signed in as ada@example.com").wait_for()
    state = spa_state(page)
    assert state["errors"] == [] and state["hasRefreshToken"]

    page.get_by_role("button", name="Renew tokens").click()
    page.wait_for_function("JSON.parse(document.querySelector('#state').textContent).events.includes('renewed')")
    page.get_by_role("button", name="Revoke tokens").click()
    page.wait_for_function("JSON.parse(document.querySelector('#state').textContent).events.includes('revoked')")
    state = spa_state(page)
    assert state["errors"] == [] and state["afterRevocation"] == "invalid_grant"

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign out").click()  # the service asks before signing out
    page.get_by_text("Not signed in.").wait_for()
    assert page.url.startswith(spa_origin)
    assert spa_state(page)["errors"] == []


WIKI = Path(__file__).resolve().parents[2] / "examples" / "django-site"


@pytest.mark.usefixtures("ada")
def test_a_django_site_on_mozilla_django_oidc(page, issuer, tmp_path):
    from allauth.idp.oidc.models import Client

    from tests.servers import Server

    client, secret = clients.create(name="Wiki", redirect_uris=["http://127.0.0.1:9/oidc/callback/"])
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "WIKI_SECRET_KEY": "wiki-" + "s" * 40,
        "WIKI_DATABASE": str(tmp_path / "wiki.sqlite3"),
        "GQL_AUTH_ISSUER": issuer,
        "OIDC_RP_CLIENT_ID": client.id,
        "OIDC_RP_CLIENT_SECRET": secret,
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=WIKI, env=env, check=True, timeout=120)
    wiki = Server(env, tmp_path / "wiki.log", "wiki.wsgi:application", WIKI, worker=False)
    try:
        # The quickstart registers the site's callback: here its port is known once it runs.
        client = Client.objects.get(pk=client.pk)
        client.set_redirect_uris([f"{wiki.base}/oidc/callback/"])
        client.save()
        wait_for(f"{wiki.base}/", wiki.process)
        page.goto(f"{wiki.base}/")
        page.get_by_role("link", name="Sign in").click()
        sign_in_on_the_hosted_page(page)
        page.get_by_text("Signed in to the wiki as ada@example.com").wait_for()
    finally:
        wiki.stop()
    assert "Traceback" not in (tmp_path / "wiki.log").read_text()
