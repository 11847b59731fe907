"""examples/drf-service, run as written: another team's Django project, with its
own settings, authenticates its DRF view with gql-auth's tokens through
`users.authentication.TokenAuthentication`, against the shared database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.documents import STRONG_PASSWORD
from tests.servers import ROOT, Server, create_verified_users, server_env, servers

EXAMPLE = ROOT / "examples" / "drf-service"
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token errors { code } } }"


def orders_env(database_url: str, **changed: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "orders.settings",
            "ORDERS_SECRET_KEY": "orders-" + "s" * 40,
            "GQL_AUTH_DATABASE_URL": database_url,
            **changed,
        }
    )
    return env


@pytest.fixture
def shared_database(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'shared.sqlite3'}"


def test_another_drf_service_knows_the_caller_by_the_services_token(tmp_path, shared_database):
    env = server_env(shared_database)
    create_verified_users(env, ["ada@example.com"], STRONG_PASSWORD)
    with servers(1, env, tmp_path) as (auth,):
        token = auth.graphql(LOGIN, {"e": "ada@example.com", "p": STRONG_PASSWORD})["login"]["token"]
        orders = Server(
            orders_env(shared_database), tmp_path / "orders.log", "orders.wsgi:application", EXAMPLE, worker=False
        )
        try:
            orders.wait_ready(path="/orders/mine")
            for keyword in ("Token", "Bearer"):
                status, body = orders.get("/orders/mine", {"Authorization": f"{keyword} {token}"})
                assert (status, body["email"], body["orders"]) == (200, "ada@example.com", [])
            assert orders.get("/orders/mine")[0] == 401
            assert orders.get("/orders/mine", {"Authorization": "Token gqa_not-a-session"})[0] == 401
            assert auth.graphql("mutation { logout { success } }", token=token)["logout"]["success"]
            assert orders.get("/orders/mine", {"Authorization": f"Token {token}"})[0] == 401
        finally:
            orders.stop()
        assert "Traceback" not in orders.log_path.read_text()


def check_example(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_example_passes_djangos_checks(shared_database):
    result = check_example(orders_env(shared_database))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("left_out", "says"),
    [
        ("AUTH_USER_MODEL", 'AUTH_USER_MODEL = "users.User"'),
        ("allauth.account", "'allauth.account'"),
    ],
)
def test_minimal_settings_without_a_line_of_theirs_say_which(tmp_path, shared_database, left_out, says):
    """A setting docs/applications.md names, left out, stops the project at start-up with
    a sentence naming it, not with a 500 at the first request."""
    settings = tmp_path / "orders_settings_minimal.py"
    source = (EXAMPLE / "orders" / "settings.py").read_text()
    lines = [line for line in source.splitlines() if not line.lstrip().startswith((left_out, f'"{left_out}"'))]
    assert len(lines) == len(source.splitlines()) - 1
    settings.write_text("\n".join(lines) + "\n")
    env = orders_env(shared_database, DJANGO_SETTINGS_MODULE="orders_settings_minimal")
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(EXAMPLE)])
    result = check_example(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and says in result.stderr, result.stderr[-2000:]
