"""GraphQL clients nobody here wrote, from Node against a live server: urql with
its defaults (queries by GET) and Apollo Client's automatic persisted queries
(createPersistedQueryLink: a hash by GET, the PersistedQueryNotFound round trip,
then the hash alone). Their versions are tests/clients' package-lock.json."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from schema import persisted
from users.models import AuthToken, User

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def node() -> str:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("needs Node.js and npm")
    if not (CLIENTS / "node_modules" / "@apollo" / "client").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=CLIENTS, check=True, timeout=300)
    return shutil.which("node")


@pytest.fixture
def token(ada) -> str:
    return AuthToken.objects.issue(ada)[1]


def run(node: str, script: str, url: str, token: str) -> dict:
    done = subprocess.run(
        [node, script, url], cwd=CLIENTS, env={"PATH": "/usr/bin:/bin", "GQL_AUTH_TOKEN": token},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_urql_with_its_defaults_queries_by_get_and_mutates_by_post(node, live_server, token):
    answer = run(node, "urql-defaults.mjs", f"{live_server.url}/graphql/", token)
    assert answer["me"] == {"me": {"email": "ada@example.com", "language": None}}, answer
    assert answer["set"] == {"setLanguage": {"success": True}}
    assert answer["again"] == {"me": {"email": "ada@example.com", "language": "fr"}}
    assert answer["methods"] == ["GET", "POST", "GET"]
    assert User.objects.get().language == "fr"


def test_apollos_persisted_queries_send_the_hash_then_the_document_once(node, live_server, token, monkeypatch):
    monkeypatch.setattr(persisted, "remembered", persisted.Remembered())
    answer = run(node, "apollo-persisted.mjs", f"{live_server.url}/graphql/", token)
    assert answer["first"] == answer["second"] == {"me": {"__typename": "User", "email": "ada@example.com"}}
    assert answer["requests"] == [
        {"method": "GET", "sentQuery": False},  # the hash alone: not known yet
        {"method": "POST", "sentQuery": True},  # PersistedQueryNotFound: the document with its hash
        {"method": "GET", "sentQuery": False},  # known from then on
    ]
