"""Concurrent requests for one account, across two server processes on PostgreSQL:
each guarantee rests on a database constraint or a row lock, not on luck."""

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.documents import CHANGE, LOGIN, LOGOUT_ALL, ME, REGISTER, REQUEST_RESET, RESET, STRONG_PASSWORD, VERIFY
from tests.reliability.conftest import sql
from tests.servers import create_verified_users, server_env, servers

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
        for server in started:
            server.env = env
        yield started


def first_env(pair) -> dict:
    return pair[0].env


def wait_for_link(server, kind: str, seconds: float = 10) -> str:
    """The key of the newest `kind` link in the server's console mail."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = re.findall(rf"/{kind}/([^\s<>\"]+)", server.log_text())
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no {kind} link in the server log")


def wait_for_mails(servers, count: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sum(server.log_text().count("\nSubject: ") for server in servers) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} mails in the server logs")


def test_concurrent_registrations_of_one_address_make_one_account(pair, database_url):
    variables = {"email": "race@example.com", "password": STRONG_PASSWORD}
    answers = all_at_once([lambda n=n: pair[n % 2].post(REGISTER, variables) for n in range(CALLERS)])
    assert all(status == 200 for status, _ in answers), answers
    assert all(body["data"]["register"] == {"success": True, "errors": []} for _, body in answers)
    # Accounts are made after the answer (users.background): wait for every
    # registration's mail, the last thing its job does.
    wait_for_mails(pair, CALLERS)
    assert sql(database_url, "SELECT count(*) FROM users_user WHERE email = %s", "race@example.com") == [(1,)]
    assert sql(database_url, "SELECT count(*) FROM account_emailaddress WHERE email = %s", "race@example.com") == [(1,)]


def test_concurrent_verifications_of_one_key_all_end_verified(pair, database_url):
    first, _ = pair
    first.graphql(REGISTER, {"email": "race@example.com", "password": STRONG_PASSWORD})
    key = wait_for_link(first, "verify-email")
    answers = all_at_once([lambda n=n: pair[n % 2].post(VERIFY, {"key": key}) for n in range(CALLERS)])
    outcomes = [
        "OK" if body["data"]["verifyEmail"]["success"] else body["data"]["verifyEmail"]["errors"][0]["code"]
        for status, body in answers
        if status == 200
    ]
    assert len(outcomes) == CALLERS, answers
    assert set(outcomes) <= {"OK", "INVALID_KEY"}
    assert outcomes.count("OK") == 1  # the row lock lets one verification through
    assert sql(database_url, "SELECT verified FROM account_emailaddress WHERE email = %s", "race@example.com") == [
        (True,)
    ]


@pytest.mark.usefixtures("database_url")
def test_concurrent_resets_with_one_key_succeed_once(pair):
    first, _ = pair
    create_verified_users(first_env(pair), ["ada@example.com"], STRONG_PASSWORD)
    first.graphql(REQUEST_RESET, {"email": "ada@example.com"})
    key = wait_for_link(first, "reset-password")
    passwords = [f"new passphrase number {n:02}" for n in range(CALLERS)]
    answers = all_at_once(
        [lambda n=n: pair[n % 2].post(RESET, {"key": key, "password": passwords[n]}) for n in range(CALLERS)]
    )
    outcomes = [body["data"]["resetPassword"] for status, body in answers if status == 200]
    assert len(outcomes) == CALLERS, answers
    winners = [n for n, outcome in enumerate(outcomes) if outcome["success"]]
    assert len(winners) == 1
    assert {o["errors"][0]["code"] for o in outcomes if not o["success"]} == {"INVALID_KEY"}
    login = first.graphql(LOGIN, {"email": "ada@example.com", "password": passwords[winners[0]]})
    assert login["login"]["success"]


@pytest.mark.usefixtures("database_url")
def test_no_token_issued_before_logout_all_survives_it(pair):
    first, second = pair
    create_verified_users(first_env(pair), ["ada@example.com"], STRONG_PASSWORD)
    credentials = {"email": "ada@example.com", "password": STRONG_PASSWORD}
    token = first.graphql(LOGIN, credentials)["login"]["token"]
    issued = []  # (time the login answered, token)
    logout_sent = threading.Event()
    sent_at = []

    def keep_logging_in(server):
        for _ in range(12):
            status, body = server.post(LOGIN, credentials)
            assert status == 200, body
            issued.append((time.monotonic(), body["data"]["login"]["token"]))

    def logout_all_midway():
        while len(issued) < 6:
            time.sleep(0.005)
        sent_at.append(time.monotonic())
        logout_sent.set()
        return second.post(LOGOUT_ALL, token=token)

    with ThreadPoolExecutor(3) as pool:
        logins = [pool.submit(keep_logging_in, server) for server in pair]
        logout = pool.submit(logout_all_midway)
        status, body = logout.result(timeout=120)
        for future in logins:
            future.result(timeout=120)
    assert status == 200 and body["data"]["logoutAll"]["success"]
    before = [t for answered_at, t in issued if answered_at < sent_at[0]]
    assert before  # the check below is about something
    for old in [token, *before]:
        assert first.graphql(ME, token=old)["me"] is None


LOGINS_IN_FLIGHT = 10


@pytest.mark.parametrize("change", ["resetPassword", "changePassword"])
def test_no_token_made_with_the_old_password_outlives_its_change(pair, change):
    """Logins with the old password in flight while the password changes, across two
    processes: whichever commits first, no token they got works afterwards."""
    first, _ = pair
    create_verified_users(first_env(pair), ["ada@example.com"], STRONG_PASSWORD)
    credentials = {"email": "ada@example.com", "password": STRONG_PASSWORD}
    new_password = "a brand new passphrase"
    if change == "resetPassword":
        first.graphql(REQUEST_RESET, {"email": "ada@example.com"})
        key = wait_for_link(first, "reset-password")
        do_change = lambda: first.post(RESET, {"key": key, "password": new_password})  # noqa: E731
    else:
        token = first.graphql(LOGIN, credentials)["login"]["token"]
        do_change = lambda: first.post(CHANGE, {"old": STRONG_PASSWORD, "new": new_password}, token=token)  # noqa: E731
    logins = [lambda n=n: pair[n % 2].post(LOGIN, credentials) for n in range(LOGINS_IN_FLIGHT)]
    *answers, (status, changed) = all_at_once([*logins, do_change])
    assert status == 200 and changed["data"][change]["success"], changed
    issued = [body["data"]["login"]["token"] for _, body in answers if body["data"]["login"]["success"]]
    survivors = [t for t in issued if first.graphql(ME, token=t)["me"] is not None]
    assert survivors == [], f"{len(survivors)} of {len(issued)} old-password tokens outlived the {change}"
    assert first.graphql(LOGIN, {**credentials, "password": new_password})["login"]["success"]


DELETE_ACCOUNT = "mutation { deleteAccount { success errors { code } } }"


def test_a_deletion_racing_logins_and_token_use_leaves_no_live_session(pair, database_url):
    """Logins and token uses on both servers while the account is deleted: a
    login either finished before (its session goes with the account) or finds
    no account; nothing of it lives after."""
    first, second = pair
    create_verified_users(first_env(pair), ["ada@example.com"], STRONG_PASSWORD)
    credentials = {"email": "ada@example.com", "password": STRONG_PASSWORD}
    token = first.graphql(LOGIN, credentials)["login"]["token"]
    issued, used = [], []

    def keep_logging_in(server):
        for _ in range(12):
            status, body = server.post(LOGIN, credentials)
            assert status == 200, body
            assert body.get("data"), body
            if body["data"]["login"]["token"]:
                issued.append(body["data"]["login"]["token"])

    def keep_using(server):
        for _ in range(20):
            status, body = server.post(ME, token=token)
            assert status == 200, body
            used.append(body["data"]["me"] is not None)

    def delete_midway():
        while len(issued) < 4:
            time.sleep(0.005)
        return second.post(DELETE_ACCOUNT, token=token)

    with ThreadPoolExecutor(5) as pool:
        work = [pool.submit(keep_logging_in, s) for s in pair] + [pool.submit(keep_using, s) for s in pair]
        status, body = pool.submit(delete_midway).result(timeout=120)
        for future in work:
            future.result(timeout=120)
    assert status == 200 and body["data"]["deleteAccount"]["success"], body
    assert issued and True in used  # the race ran against a live account
    for old in [token, *issued]:
        assert first.graphql(ME, token=old)["me"] is None
    assert sql(database_url, "SELECT count(*) FROM users_user") == [(0,)]
    assert sql(database_url, "SELECT count(*) FROM users_authtoken") == [(0,)]
    assert sql(database_url, "SELECT type, user_id FROM users_securityevent WHERE type = 'ACCOUNT_DELETED'") == [
        ("ACCOUNT_DELETED", None)
    ]
