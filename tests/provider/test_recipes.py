"""The recipes for resource servers (docs/applications.md), run as written against the live
service: PyJWT's PyJWKClient, Node's `jose`, DRF with allauth's classes, and
introspection with curl."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys

import pytest
from django.test import Client

from provider import clients
from tests.provider.conftest import Registered, token_request
from tests.servers import ROOT

EXAMPLE = ROOT / "examples" / "resource-servers"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def issuer(live_server, settings) -> str:
    settings.PUBLIC_URL = live_server.url
    return live_server.url


@pytest.fixture
def service() -> Registered:
    client, secret = clients.create(name="Orders", grants=["client_credentials"], scopes=["orders:read"])
    return Registered(client.id, secret)


def access_token(app: Registered, scope: str = "orders:read") -> str:
    response = token_request(app, {"grant_type": "client_credentials", "scope": scope})
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def tampered(token: str) -> str:
    """The token with one claim changed and the signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = "orders:write"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def run(command: list[str], issuer: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ISSUER": issuer}
    return subprocess.run(command, cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=60)


def test_pyjwt_verifies_an_access_token_offline(issuer, service):
    token = access_token(service)
    good = run([sys.executable, "verify_pyjwt.py", token], issuer)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["client_id"] == service.client_id
    bad = run([sys.executable, "verify_pyjwt.py", tampered(token)], issuer)
    assert bad.returncode != 0 and "refused: Signature verification failed" in bad.stderr


@pytest.fixture(scope="module")
def jose_installed():
    if not shutil.which("npm"):
        pytest.skip("needs Node.js and npm")
    if not (EXAMPLE / "node_modules" / "jose").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=EXAMPLE, check=True, capture_output=True, timeout=300
        )


def test_node_jose_verifies_an_access_token_offline(issuer, service, jose_installed):
    token = access_token(service)
    good = run(["node", "verify_jose.mjs", token], issuer)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["client_id"] == service.client_id
    bad = run(["node", "verify_jose.mjs", tampered(token)], issuer)
    assert bad.returncode == 1 and "refused: ERR_JWS_SIGNATURE_VERIFICATION_FAILED" in bad.stderr
    elsewhere = run(["node", "verify_jose.mjs", token], "http://localhost:1")
    assert elsewhere.returncode == 1  # another issuer's keys: refused


@pytest.mark.urls("tests.recipe.resource_server")
def test_drf_with_allauths_resource_server_classes(service, register):
    token = access_token(service)
    answer = Client().get("/api/orders", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200 and answer.json() == {"client_id": service.client_id, "user": None}
    other = register(name="Other", grants=["client_credentials"], scopes=["openid"], redirect_uris=[])
    wrong_scope = access_token(other, scope="openid")
    assert Client().get("/api/orders", HTTP_AUTHORIZATION=f"Bearer {wrong_scope}").status_code in (401, 403)
    assert Client().get("/api/orders", HTTP_AUTHORIZATION=f"Bearer {tampered(token)}").status_code in (401, 403)


def test_curl_introspects_a_token(issuer, service):
    token = access_token(service)
    api, secret = clients.create(name="Orders API", grants=["client_credentials"], resource_server=True)
    command = [
        "curl",
        "--silent",
        "--user",
        f"{api.id}:{secret}",
        "--data-urlencode",
        f"token={token}",
        f"{issuer}/identity/o/api/introspect",
    ]
    answer = json.loads(subprocess.run(command, capture_output=True, text=True, timeout=30, check=True).stdout)
    assert answer["active"] is True and answer["client_id"] == service.client_id and answer["scope"] == "orders:read"
    anonymous = subprocess.run(command[:2] + command[4:], capture_output=True, text=True, timeout=30).stdout
    assert json.loads(anonymous)["error"] == "invalid_client"
