"""Database and mail outages: clean answers while they last, nothing lost, and
recovery without restarting the service."""

import email
import re
import time

import pytest

from tests.documents import CHANGE, LOGIN, ME, REGISTER, REQUEST_RESET, RESET, STRONG_PASSWORD, VERIFY, first_code
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


def test_mails_queued_while_the_mail_server_is_down_all_arrive_once_it_is_back(database_url, smtp_server, tmp_path):
    """A registration, a reset and a password change while SMTP is down: each
    answers success, each mail waits in the queue, and once the server is back
    every one arrives, exactly once by its Message-ID, and its link works."""
    env = mail_server_env(
        database_url, smtp_server, RATE_LIMITS_DISABLED="1", JOBS_RETRY_FIRST_SECONDS="0.5", JOBS_RETRY_MAX_SECONDS="1"
    )
    create_verified_users(env, ["ada@example.com", "bob@example.com"], STRONG_PASSWORD)
    with servers(1, env, tmp_path) as (server,):
        bob = server.graphql(LOGIN, {"email": "bob@example.com", "password": STRONG_PASSWORD})["login"]["token"]
        smtp_server.stop()
        register = server.graphql(REGISTER, {"email": "grace@example.com", "password": STRONG_PASSWORD})
        assert register["register"] == {"success": True, "errors": []}
        assert server.graphql(REQUEST_RESET, {"email": "ada@example.com"})["requestPasswordReset"]["success"]
        change = server.graphql(CHANGE, {"old": STRONG_PASSWORD, "new": "bob's brand new passphrase"}, bob)
        assert change["changePassword"]["success"]
        deadline = time.monotonic() + 20
        while len(set(re.findall(r"Mail (<[^>]+>) not sent yet", server.log_text()))) < 3:
            assert time.monotonic() < deadline, server.log_text()
            time.sleep(0.1)
        # The account was made by its job, before its mail was tried.
        assert sql(database_url, "SELECT count(*) FROM users_user WHERE email = 'grace@example.com'") == [(1,)]
        assert "/verify-email/" not in server.log_text() and "/reset-password/" not in server.log_text()

        smtp_server.start()
        smtp_server.inbox.wait_for(3, seconds=30)
        time.sleep(3)  # several retry periods: nothing more comes
        mails = [email.message_from_string(text) for text in smtp_server.inbox.messages]
        assert len(mails) == 3 and len({mail["Message-ID"] for mail in mails}) == 3
        assert sorted(mail["To"] for mail in mails) == ["ada@example.com", "bob@example.com", "grace@example.com"]
        assert sql(database_url, "SELECT count(*) FROM django_tasks_database_dbtaskresult") == [(0,)]
        by_address = {mail["To"]: text for mail, text in zip(mails, smtp_server.inbox.messages, strict=True)}
        key = re.search(r"/verify-email/([^\s<>\"]+)", by_address["grace@example.com"]).group(1)
        assert server.graphql(VERIFY, {"key": key})["verifyEmail"]["success"]
        key = re.search(r"/reset-password/([^\s<>\"]+)", by_address["ada@example.com"]).group(1)
        reset = server.graphql(RESET, {"key": key, "password": "a brand new passphrase"})["resetPassword"]
        assert reset["success"], reset
