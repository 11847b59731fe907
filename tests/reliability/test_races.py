"""Concurrent requests for one account, across two server processes on PostgreSQL:
each guarantee rests on a database constraint or a row lock, not on luck."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import STRONG_PASSWORD
from tests.reliability.conftest import sql
from tests.schema.test_walkthrough import REGISTER, VERIFY
from tests.servers import server_env, servers

pytestmark = pytest.mark.reliability

CALLERS = 20


def all_at_once(calls):
    """Run the calls in parallel threads released together, so they really race."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.fixture
def pair(database_url, tmp_path):
    env = server_env(database_url, RATE_LIMITS_DISABLED="1")
    with servers(2, env, tmp_path) as started:
        yield started


def test_concurrent_registrations_of_one_address_make_one_account(pair, database_url):
    variables = {"email": "race@example.com", "password": STRONG_PASSWORD}
    answers = all_at_once([lambda n=n: pair[n % 2].post(REGISTER, variables) for n in range(CALLERS)])
    assert all(status == 200 for status, _ in answers), answers
    assert all(body["data"]["register"] == {"success": True, "errors": []} for _, body in answers)
    assert sql(database_url, "SELECT count(*) FROM users_user WHERE email = %s", "race@example.com") == [(1,)]
    assert sql(database_url, "SELECT count(*) FROM account_emailaddress WHERE email = %s",
               "race@example.com") == [(1,)]


def test_concurrent_verifications_of_one_key_all_end_verified(pair, database_url):
    first, _ = pair
    first.graphql(REGISTER, {"email": "race@example.com", "password": STRONG_PASSWORD})
    key = re.search(r"/verify-email/(\S+)", first.log_text()).group(1)
    answers = all_at_once([lambda n=n: pair[n % 2].post(VERIFY, {"key": key}) for n in range(CALLERS)])
    outcomes = [
        "OK" if body["data"]["verifyEmail"]["success"] else body["data"]["verifyEmail"]["errors"][0]["code"]
        for status, body in answers
        if status == 200
    ]
    assert len(outcomes) == CALLERS, answers
    assert set(outcomes) <= {"OK", "INVALID_KEY"}
    assert outcomes.count("OK") == 1  # the row lock lets one verification through
    assert sql(database_url, "SELECT verified FROM account_emailaddress WHERE email = %s",
               "race@example.com") == [(True,)]
