"""Settings come from the environment; production refuses unsafe defaults."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import django
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/graphql/", HTTP_ACCEPT="text/html", HTTP_HOST="127.0.0.1")
print(settings.DEBUG, settings.GRAPHIQL, response.status_code, b"graphiql" in response.content.lower())
"""


def run(env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "GRAPHIQL"}}
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


def test_production_turns_graphiql_off():
    result = run({"DEBUG": "0", "SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "404", "False"]


def test_development_shows_graphiql():
    result = run({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "200", "True"]
