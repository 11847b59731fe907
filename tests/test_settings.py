"""Settings come from the environment; production refuses unsafe defaults.

Each case starts a fresh Python process, since settings are read once at start."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
ide = client.get("/graphql/", HTTP_ACCEPT="text/html")
introspection = client.post("/graphql/", {"query": "{ __schema { types { name } } }"},
                            content_type="application/json").json()
typo = client.post("/graphql/", {"query": "{ mee { id } }"}, content_type="application/json").json()
print(json.dumps({
    "debug": settings.DEBUG,
    "graphiql": ide.status_code == 200 and b"graphiql" in ide.content.lower(),
    "introspection": "data" in introspection and introspection["data"] is not None,
    "suggests": "Did you mean" in typo["errors"][0]["message"],
}))
"""


def run(env: dict) -> subprocess.CompletedProcess:
    names = {"DEBUG", "SECRET_KEY", "GRAPHIQL", "GRAPHQL_INTROSPECTION"}
    base = {k: v for k, v in os.environ.items() if k not in names}
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "gql_auth.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG=0" in result.stderr


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, {"debug": True, "graphiql": True, "introspection": True, "suggests": True}),
        (
            {"DEBUG": "0", "SECRET_KEY": "x" * 50},
            {"debug": False, "graphiql": False, "introspection": False, "suggests": False},
        ),
        (
            {"DEBUG": "0", "SECRET_KEY": "x" * 50, "GRAPHQL_INTROSPECTION": "1"},
            {"debug": False, "graphiql": False, "introspection": True, "suggests": True},
        ),
        (
            {"DEBUG": "0", "SECRET_KEY": "x" * 50, "GRAPHIQL": "1"},
            {"debug": False, "graphiql": True, "introspection": True, "suggests": True},
        ),
    ],
    ids=["development", "production", "production-with-introspection", "production-with-graphiql"],
)
def test_explorer_and_introspection_follow_debug(env, expected):
    result = run(env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected
