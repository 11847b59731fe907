"""Outages of the database or of Redis answer 503 SERVICE_UNAVAILABLE on every
path, are logged once per outage rather than once per request, and skip no
lock (users/outages.py)."""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError, connection
from django.test import Client, override_settings

from tests.documents import LOGIN, REGISTER, STRONG_PASSWORD
from tests.support import key_from
from tests.test_health import UNREACHABLE_CACHE
from users import outages
from users.models import AuthToken

pytestmark = pytest.mark.django_db

RESET = "mutation($e: String!) { requestPasswordReset(email: $e) { success errors { code } } }"


@pytest.fixture(autouse=True)
def a_new_outage():
    outages.last_reported.clear()
    yield
    outages.last_reported.clear()


def database_away(execute, sql, params, many, context):
    raise OperationalError("could not connect to server: Connection refused")


def error_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


def post(query: str, variables: dict) -> tuple[int, dict]:
    response = Client(raise_request_exception=False).post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    return response.status_code, response.json()


def test_redis_away_answers_503_and_is_logged_once_and_no_lock_is_skipped(make_user, caplog, settings):
    settings.RATE_LIMITS_DISABLED = False
    make_user()
    with override_settings(CACHES=UNREACHABLE_CACHE):
        answers = [post(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD}) for _ in range(4)]
        answers.append(post(RESET, {"e": "ada@example.com"}))
    for status, body in answers:
        assert status == 503
        assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert body["data"] is None or not any(payload for payload in body["data"].values())
    assert not AuthToken.objects.exists()  # the lock could not be read: nobody got in
    (logged,) = error_records(caplog)
    assert "cache is unreachable" in logged.getMessage()


@pytest.fixture
def verify_link(gql, mailoutbox) -> str:
    gql(REGISTER, {"email": "ada@example.com", "password": STRONG_PASSWORD})
    return f"/verify-email/{key_from(mailoutbox[-1])}"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("verify link", None),
        ("/identity/o/api/token", {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}),
        ("/login", {"step": "password", "email": "ada@example.com", "password": STRONG_PASSWORD}),
    ],
)
def test_the_database_away_answers_503_on_pages_and_protocol_endpoints(path, data, caplog, verify_link):
    path = verify_link if path == "verify link" else path
    client = Client(raise_request_exception=False)
    assert client.get(path).status_code in (200, 405)  # the page reads the database when it is there
    with connection.execute_wrapper(database_away):
        for _ in range(3):
            response = client.post(path, data) if data else client.get(path)
            assert response.status_code == 503, response.content[:300]
            assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    (logged,) = error_records(caplog)
    assert "database is unreachable" in logged.getMessage()


def test_a_bug_is_still_a_500_logged_each_time(caplog, monkeypatch):
    from users import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "render", broken)
    client = Client(raise_request_exception=False)
    for _ in range(2):
        assert client.get("/verify-email/MQ:1t0xyz:abc").status_code == 500  # a bug, not an outage
    assert len(error_records(caplog)) == 2


def test_an_outage_is_logged_again_once_it_lasts_past_the_interval(monkeypatch, caplog):
    now = [1000.0]
    monkeypatch.setattr(outages.time, "monotonic", lambda: now[0])
    error = OperationalError("gone")
    for advance in (0, 10, outages.REPORT_INTERVAL, 1):
        now[0] += advance
        outages.report(error)
    assert len(error_records(caplog)) == 2


def send_the_mail():
    from django_redis.exceptions import ConnectionInterrupted
    from redis.exceptions import ConnectionError as RedisConnectionError

    try:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    except RedisConnectionError as error:
        raise ConnectionInterrupted(connection=None) from error


def a_bug():
    raise ZeroDivisionError


def test_a_job_that_meets_an_outage_is_reported_once_and_runs_again_later(caplog):
    """Mails and the other jobs (users.jobs) fail alike in an outage: one report
    with its traceback, and the job is to run again (RetryLater); a bug is
    logged with its own traceback and fails the job."""
    from users.jobs import RetryLater, job

    for function, raised in [(send_the_mail, RetryLater), (send_the_mail, RetryLater), (a_bug, ZeroDivisionError)]:
        with pytest.raises(raised):
            job(atomic=False)(function).call()
    with_trace = [record for record in caplog.records if record.exc_info]
    assert [record.name for record in with_trace] == ["users.outages", "users.jobs"]
