"""Settings come from the environment; production refuses unsafe defaults.

Each case starts a fresh Python process, since settings are read once at start."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from provider.keys import generate_pem

ROOT = Path(__file__).resolve().parent.parent
# Production needs a signing key for the OpenID provider as it needs SECRET_KEY.
OIDC_KEY = generate_pem()

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


def run(env: dict, probe: str = PROBE, stdin: str | None = None) -> subprocess.CompletedProcess:
    names = {"DEBUG", "SECRET_KEY", "GRAPHIQL", "GRAPHQL_INTROSPECTION", "OIDC_PRIVATE_KEY", "OIDC_PRIVATE_KEYS_FILE"}
    base = {k: v for k, v in os.environ.items() if k not in names}
    if probe is not PROBE:
        probe = "import django; django.setup()\n" + probe
    return subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "gql_auth.settings", **env},
        input=stdin,
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
    assert run({"SECRET_KEY": "x" * 50, "OIDC_PRIVATE_KEY": OIDC_KEY}).returncode == 0
    assert json.loads(run({"SECRET_KEY": "x" * 50, "OIDC_PRIVATE_KEY": OIDC_KEY}).stdout)["debug"] is False


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
            {"DEBUG": "0", "SECRET_KEY": "x" * 50, "OIDC_PRIVATE_KEY": OIDC_KEY},
            {"debug": False, "graphiql": False, "introspection": False, "suggests": False},
        ),
        (
            {"DEBUG": "0", "SECRET_KEY": "x" * 50, "OIDC_PRIVATE_KEY": OIDC_KEY, "GRAPHQL_INTROSPECTION": "1"},
            {"debug": False, "graphiql": False, "introspection": True, "suggests": True},
        ),
        (
            {"DEBUG": "0", "SECRET_KEY": "x" * 50, "OIDC_PRIVATE_KEY": OIDC_KEY, "GRAPHIQL": "1"},
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
    "OIDC_PRIVATE_KEY": OIDC_KEY,
}


def test_deploy_check_is_clean_for_an_https_service():
    names = {"DEBUG", "SECRET_KEY", "PUBLIC_URL", "ALLOWED_HOSTS", "TRUSTED_PROXY_COUNT", "OIDC_PRIVATE_KEY"}
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


def test_production_refuses_to_start_without_a_signing_key():
    result = run({"DEBUG": "0", "SECRET_KEY": "x" * 50})
    assert result.returncode != 0
    assert "OIDC_PRIVATE_KEY must be set when DEBUG=0" in result.stderr


@pytest.mark.parametrize(
    ("pem", "says"),
    [
        ("not a key", "is not an unencrypted PEM private key"),
        (generate_pem().replace("PRIVATE KEY-----\n", "PRIVATE KEY-----\nAAAA"), "is not an unencrypted PEM"),
    ],
)
def test_a_signing_key_that_cannot_sign_is_refused_at_start(pem, says):
    result = run({"DEBUG": "0", "SECRET_KEY": "x" * 50, "OIDC_PRIVATE_KEY": pem})
    assert result.returncode != 0
    assert says in result.stderr


def test_a_signing_key_may_arrive_on_one_line():
    """Env files and secret stores often hold one line, with the newlines written `\\n`."""
    one_line = OIDC_KEY.strip().replace("\n", "\\n")
    probe = "from django.conf import settings; print(settings.IDP_OIDC_PRIVATE_KEY == open(0).read())"
    result = run({"DEBUG": "0", "SECRET_KEY": "x" * 50, "OIDC_PRIVATE_KEY": one_line}, probe, OIDC_KEY.strip() + "\n")
    assert result.stdout.strip() == "True", result.stderr


def test_development_generates_a_signing_key_once_and_keeps_it(tmp_path):
    key_file = tmp_path / "oidc.pem"
    probe = "from django.conf import settings; print(settings.IDP_OIDC_PRIVATE_KEY)"
    env = {"DEBUG": "1", "DEV_OIDC_KEY_FILE": str(key_file)}
    first = run(env, probe)
    assert first.returncode == 0, first.stderr
    assert "BEGIN PRIVATE KEY" in first.stdout
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert run(env, probe).stdout == first.stdout


def test_rotation_signs_with_the_newest_key_and_publishes_both(tmp_path):
    old, new = generate_pem(), generate_pem()
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(
        json.dumps(
            [
                {"pem": old, "issued_at": "2026-01-01T00:00:00Z"},
                {"pem": new, "issued_at": "2026-06-01T00:00:00Z"},
            ]
        )
    )
    probe = (
        "from allauth.idp.oidc.adapter import get_adapter; from django.test import Client\n"
        "from cryptography.hazmat.primitives.serialization import load_pem_private_key\n"
        "import json\n"
        "signing = get_adapter().get_signing_key().pem\n"
        "print(json.dumps({'kids': len(Client().get('/.well-known/jwks.json').json()['keys']),"
        " 'signing': load_pem_private_key(signing.encode(), None).private_numbers().d ="
        "= load_pem_private_key(open(0).read().encode(), None).private_numbers().d}))"
    )
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "testserver",
        "OIDC_PRIVATE_KEYS_FILE": str(keys_file),
    }
    result = run(env, probe, new)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"kids": 2, "signing": True}


def test_turning_rate_limits_off_keeps_the_bounds_on_recorded_failures():
    """Load tests switch the limits off; the rows a flood of failures may leave stay bounded."""
    result = run(
        {"DEBUG": "1", "RATE_LIMITS_DISABLED": "1"},
        "from django.conf import settings; print(sorted(settings.RATE_LIMITS))",
    )
    assert result.stdout.strip() == "['audit_failures', 'audit_locks']", result.stderr
