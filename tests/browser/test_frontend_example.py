"""The example frontend (examples/frontend, urql) on its own origin, in Chromium,
against the live service trusting only the documents the example was built with
(the manifest GraphQL Code Generator's client preset wrote): token mode, cookie
mode, an origin the service does not list, and a document it does not trust."""

import functools
import json
import os
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from schema import persisted
from tests.documents import STRONG_PASSWORD
from users.models import AuthToken

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "frontend"
MANIFEST = EXAMPLE / "src" / "gql" / "persisted-documents.json"  # written by its build
COOKIE = "gqlauth_session"


@pytest.fixture(scope="module")
def built_example(live_server):
    """The example, built as its README says (npm ci, npm run build) for the live service, once."""
    if shutil.which("npm") is None:
        pytest.skip("needs Node.js and npm")
    if not (EXAMPLE / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=EXAMPLE, check=True, timeout=300)
    env = {**os.environ, "API_URL": f"{live_server.url}/graphql/"}
    subprocess.run(["npm", "run", "build"], cwd=EXAMPLE, check=True, timeout=120, capture_output=True, env=env)
    yield EXAMPLE / "public"
    # Leave the build as `make example` would make it, for the development server.
    subprocess.run(["npm", "run", "build"], cwd=EXAMPLE, check=False, timeout=120, capture_output=True)


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def serve(built_example, settings):
    """Serve the example's files on another origin (another port of localhost), to
    a service that runs the documents of the example's manifest alone."""
    settings.GRAPHQL_TRUSTED_DOCUMENTS = str(MANIFEST)
    persisted.load_manifest.cache_clear()
    servers = []

    def start() -> str:
        server = ThreadingHTTPServer(("localhost", 0), functools.partial(Quiet, directory=str(built_example)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://localhost:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
    persisted.load_manifest.cache_clear()


def open_app(page, origin, live_server):
    page.goto(f"{origin}/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)


def status(page, text):
    page.get_by_role("status").filter(has_text=text).wait_for()


@pytest.mark.usefixtures("ada")
def test_token_mode_logs_in_reads_me_and_logs_out(page, serve, live_server, settings, screenshot):
    app = serve()
    settings.CORS_ALLOWED_ORIGINS = [app]
    open_app(page, app, live_server)
    page.get_by_role("button", name="Log in").click()
    status(page, "Logged in as ada@example.com (token mode)")
    page.get_by_role("button", name="Who am I?").click()
    status(page, "You are ada@example.com.")
    screenshot("frontend-example-token")
    page.get_by_role("button", name="Log out").click()
    status(page, "Logged out.")
    assert not AuthToken.objects.exists()


@pytest.mark.usefixtures("ada")
def test_cookie_mode_keeps_the_token_from_scripts_and_from_other_origins(page, serve, live_server, settings):
    app, unlisted = serve(), serve()
    settings.CORS_ALLOWED_ORIGINS = [app]
    open_app(page, app, live_server)
    page.get_by_label("HttpOnly cookie").check()
    page.get_by_role("button", name="Log in").click()
    status(page, "Logged in as ada@example.com (cookie mode)")
    assert '"token": null' in page.locator("#output").inner_text()
    assert COOKIE not in page.evaluate("document.cookie")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == COOKIE]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="Who am I?").click()
    status(page, "You are ada@example.com.")

    # A page on an unlisted origin of the same site: the browser sends the cookie
    # along, and still nothing changes and nothing is read.
    evil = page.context.new_page()
    evil.goto(f"{unlisted}/")
    api = f"{live_server.url}/graphql/"
    evil.evaluate(
        """api => fetch(api, {method: "POST", mode: "no-cors", credentials: "include",
             headers: {"Content-Type": "text/plain"},
             body: JSON.stringify({query: "mutation { logoutAll { success } }"})})""",
        api,
    )
    read = evil.evaluate(
        """api => fetch(api, {method: "POST", credentials: "include",
             headers: {"Content-Type": "application/json"},
             body: JSON.stringify({query: "{ me { email } }"})})
           .then(r => r.text(), e => "refused: " + e.message)""",
        api,
    )
    assert read.startswith("refused") and "ada@example.com" not in read
    assert AuthToken.objects.count() == 1
    evil.close()

    page.get_by_role("button", name="Log out").click()
    status(page, "Logged out.")
    assert not [c for c in page.context.cookies() if c["name"] == COOKIE and c["value"]]
    assert not AuthToken.objects.exists()  # revoked on the server, not only forgotten


@pytest.mark.usefixtures("ada")
def test_an_origin_the_service_does_not_list_cannot_use_it(page, serve, live_server, settings):
    listed, unlisted = serve(), serve()
    settings.CORS_ALLOWED_ORIGINS = [listed]
    open_app(page, unlisted, live_server)
    page.get_by_role("button", name="Log in").click()
    status(page, "Could not reach the service")
    assert not AuthToken.objects.exists()  # the browser stopped at the preflight


@pytest.mark.usefixtures("ada")
def test_the_app_sends_hashes_only_and_the_service_runs_nothing_else(page, serve, live_server, settings):
    app = serve()
    settings.CORS_ALLOWED_ORIGINS = [app]
    sent = []
    page.on("request", lambda request: sent.append(request.post_data or "") if "/graphql/" in request.url else None)
    open_app(page, app, live_server)
    page.get_by_role("button", name="Log in").click()
    status(page, "Logged in as ada@example.com (token mode)")
    page.get_by_role("button", name="Who am I?").click()
    status(page, "You are ada@example.com.")
    bodies = [json.loads(body) for body in sent if body]
    assert bodies and all("query" not in body and body["extensions"]["persistedQuery"] for body in bodies)
    # The same origin, any other document: refused, whoever sends it.
    refused = page.evaluate(
        """async (api) => (await fetch(api, {method: "POST", headers: {"Content-Type": "application/json"},
             body: JSON.stringify({query: "{ me { id } }"})})).json()""",
        f"{live_server.url}/graphql/",
    )
    assert refused["errors"][0]["extensions"]["code"] == "DOCUMENT_NOT_TRUSTED"
