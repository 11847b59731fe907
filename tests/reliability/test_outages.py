"""Database and mail outages: clean answers while they last, nothing lost, and
recovery without restarting the service."""

import re
import time

import pytest

from tests.documents import LOGIN, ME, REGISTER, REQUEST_RESET, RESEND, RESET, STRONG_PASSWORD, VERIFY, first_code
from tests.reliability.conftest import sql
from tests.servers import create_verified_users, server_env, servers

pytestmark = pytest.mark.reliability

LEAKS = re.compile(r"Traceback|psycopg|OperationalError|connection refused|File \"", re.IGNORECASE)


def mail_server_env(database_url, smtp_server, **extra):
    return server_env(
        database_url, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp_server.port), EMAIL_TIMEOUT="5", **extra
    )


def code_of(payload, field):
    return first_code(payload["data"][field], ok="OK")


def test_database_outage_answers_503_and_recovers(spare_cluster, tmp_path):
    import psycopg

    with psycopg.connect(f"{spare_cluster.admin_url}/postgres", autocommit=True) as conn:
        conn.execute("CREATE DATABASE gql_auth")
    database_url = f"{spare_cluster.admin_url}/gql_auth"
    env = server_env(database_url, RATE_LIMITS_DISABLED="1")
    create_verified_users(env, ["ada@example.com"], STRONG_PASSWORD)
    with servers(1, env, tmp_path) as (server,):
        token = server.graphql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD})["login"]["token"]
        assert server.graphql(ME, token=token)["me"]["email"] == "ada@example.com"

        spare_cluster.stop()
        outage_answers = [
            server.post(ME, token=token),
            server.post(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD}),
            server.post(REGISTER, {"email": "lost@example.com", "password": STRONG_PASSWORD}),
        ]
        for status, body in outage_answers:
            assert status == 503, (status, body)
            assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
            assert not LEAKS.search(str(body)), body
        # Without Redis the rate-limit counts live in the database too, so the cache is away with it.
        assert server.get("/readyz") == (
            503,
            {"status": "unavailable", "database": "unavailable", "cache": "unavailable"},
        )
        assert server.get("/healthz") == (200, {"status": "ok"})

        spare_cluster.start()
        assert server.graphql(ME, token=token)["me"]["email"] == "ada@example.com"
        assert server.get("/readyz")[0] == 200
        # The registration refused during the outage left nothing half made.
        assert sql(database_url, "SELECT count(*) FROM users_user WHERE email = 'lost@example.com'") == [(0,)]
        assert sql(
            database_url,
            """SELECT count(*) FROM users_user u WHERE NOT EXISTS
                   (SELECT 1 FROM account_emailaddress e WHERE e.user_id = u.id)""",
        ) == [(0,)]
        again = server.graphql(REGISTER, {"email": "lost@example.com", "password": STRONG_PASSWORD})
        assert again["register"]["success"]


def test_mail_outage_keeps_the_account_and_resend_works_once_mail_is_back(database_url, smtp_server, tmp_path):
    env = mail_server_env(database_url, smtp_server, EMAIL_COOLDOWN_SECONDS="0")
    with servers(1, env, tmp_path) as (server,):
        smtp_server.stop()
        answer = server.graphql(REGISTER, {"email": "grace@example.com", "password": STRONG_PASSWORD})
        assert answer["register"] == {"success": True, "errors": []}
        deadline = time.monotonic() + 10
        while "Could not send email" not in server.log_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "Could not send email" in server.log_text()
        # Made after the answer (users.background), before its mail was tried.
        assert sql(database_url, "SELECT count(*) FROM users_user WHERE email = 'grace@example.com'") == [(1,)]
        assert "/verify-email/" not in server.log_text()  # the key is never logged

        smtp_server.start()
        assert server.graphql(RESEND, {"email": "grace@example.com"})["resendVerificationEmail"]["success"]
        (mail,) = smtp_server.inbox.wait_for(1)
        key = re.search(r"/verify-email/([^\s<>\"]+)", mail).group(1)
        assert server.graphql(VERIFY, {"key": key})["verifyEmail"]["success"]
        login = server.graphql(LOGIN, {"email": "grace@example.com", "password": STRONG_PASSWORD})["login"]
        assert login["success"]


def test_mail_outage_during_password_reset_answers_success_and_a_later_request_works(
    database_url, smtp_server, tmp_path
):
    env = mail_server_env(database_url, smtp_server, RATE_LIMITS_DISABLED="1")
    create_verified_users(env, ["ada@example.com"], STRONG_PASSWORD)
    with servers(1, env, tmp_path) as (server,):
        smtp_server.stop()
        answer = server.graphql(REQUEST_RESET, {"email": "ada@example.com"})
        assert answer["requestPasswordReset"]["success"]
        deadline = time.monotonic() + 10
        while "Could not send email" not in server.log_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "Could not send email" in server.log_text()
        assert "/reset-password/" not in server.log_text()

        smtp_server.start()
        assert server.graphql(REQUEST_RESET, {"email": "ada@example.com"})["requestPasswordReset"]["success"]
        (mail,) = smtp_server.inbox.wait_for(1)
        key = re.search(r"/reset-password/([^\s<>\"]+)", mail).group(1)
        reset = server.graphql(RESET, {"key": key, "password": "a brand new passphrase"})["resetPassword"]
        assert reset["success"], reset
