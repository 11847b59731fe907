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
typos = [
    "{ mee { id } }",                                                  # a field
    'mutation { register(emial: "a@b.co", password: "x") { success } }',  # an argument
    "query($e: Strin) { me { id } }",                                  # a type
    "{ me { ... on Usr { id } } }",                                    # a type condition
]
messages = [
    error["message"]
    for typo in typos
    for error in client.post("/graphql/", {"query": typo}, content_type="application/json").json()["errors"]
]
print(json.dumps({
    "debug": settings.DEBUG,
    "graphiql": ide.status_code == 200 and b"graphiql" in ide.content.lower(),
    "introspection": "data" in introspection and introspection["data"] is not None,
    "suggests": any("Did you mean" in message for message in messages),
}))
"""


def run(env: dict, probe: str = PROBE) -> subprocess.CompletedProcess:
    names = {"DEBUG", "SECRET_KEY", "GRAPHIQL", "GRAPHQL_INTROSPECTION"}
    base = {k: v for k, v in os.environ.items() if k not in names}
    if probe is not PROBE:
        probe = "import django; django.setup()\n" + probe
    return subprocess.run(
        [sys.executable, "-c", probe],
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


def test_debug_is_off_unless_set():
    """Fail closed: an unset DEBUG is production, which refuses to start without a key."""
    result = run({})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG=0" in result.stderr
    assert run({"SECRET_KEY": "x" * 50}).returncode == 0
    assert json.loads(run({"SECRET_KEY": "x" * 50}).stdout)["debug"] is False


KEY_PROBE = "from django.conf import settings; print(settings.SECRET_KEY)"


def test_development_key_is_generated_once_per_checkout_and_kept_out_of_git(tmp_path):
    """No key is in the repository to forge links with: development makes its own,
    keeps it in an ignored file, and reuses it so links survive a restart."""
    key_file = tmp_path / "secret_key"
    env = {"DEBUG": "1", "DEV_SECRET_KEY_FILE": str(key_file)}
    first = run(env, KEY_PROBE)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and key == key_file.read_text().strip()
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner alone
    assert run(env, KEY_PROBE).stdout.strip() == key
    assert key not in (ROOT / "gql_auth" / "settings.py").read_text()
    other = run({"DEBUG": "1", "DEV_SECRET_KEY_FILE": str(tmp_path / "other")}, KEY_PROBE)
    assert other.stdout.strip() != key  # another checkout, another key
    default = subprocess.run(["git", "check-ignore", "-q", "var/secret_key"], cwd=ROOT)
    assert default.returncode == 0, "the default key file must be ignored by git"


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"DEBUG": "1"}, {"debug": True, "graphiql": True, "introspection": True, "suggests": True}),
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


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3Y-" + "vQ9xR2mT7wL4pZ8nB6cJ1hF5dG0sA3eU" * 2,
    "PUBLIC_URL": "https://auth.example.org",
    "ALLOWED_HOSTS": "auth.example.org",
}


def test_deploy_check_is_clean_for_an_https_service():
    names = {"DEBUG", "SECRET_KEY", "PUBLIC_URL", "ALLOWED_HOSTS", "TRUSTED_PROXY_COUNT"}
    # Not DJANGO_ALLOW_ASYNC_UNSAFE either, which the browser tests set for this process.
    base = {k: v for k, v in os.environ.items() if k not in names and not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "gql_auth.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


HTTPS_PROBE = """
import json
from django.test import Client
client = Client(HTTP_HOST="auth.example.org")
plain = client.get("/graphql/")
probe = client.get("/healthz")
proxied = client.post("/graphql/", {"query": "{ me { id } }"}, content_type="application/json",
                      HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
admin = client.get("/admin/login/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.0.0.1",
                   HTTP_X_FORWARDED_FOR="203.0.113.5")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "probe": probe.status_code,
    "hsts": proxied.get("Strict-Transport-Security"),
    "proxied": proxied.status_code,
    "admin_cookie_secure": all(c["secure"] for c in admin.cookies.values()) and bool(admin.cookies),
}))
"""


def test_production_behind_a_tls_proxy_is_https_only():
    result = run({**PRODUCTION, "TRUSTED_PROXY_COUNT": "1"}, HTTPS_PROBE)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["plain"] == [301, "https://auth.example.org/graphql/"]
    assert seen["probe"] == 200  # load balancers probe over plain HTTP inside the network
    assert seen["proxied"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains"
    assert seen["admin_cookie_secure"]
