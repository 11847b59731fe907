"""Every form that checks a password shares one lock and one set of counts: the
GraphQL login, changePassword, the Django admin (an authentication backend, where
the hosted login page will pass too). Past 100 failures an hour an account is
locked whatever the source; its owner is mailed a link that lets them in."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import Argon2PasswordHasher

from tests.documents import LOGIN, STRONG_PASSWORD, UNLOCK, first_code
from tests.support import sign_in_to_admin
from users import reset_keys

WRONG = "not the password at all"


def login(gql, email="ada@example.com", password=STRONG_PASSWORD, ip="198.51.100.1"):
    return gql(LOGIN, {"email": email, "password": password}, REMOTE_ADDR=ip)["login"]


def admin_login(client, email="root@example.com", password=STRONG_PASSWORD, ip="198.51.100.1"):
    response = client.post("/admin/login/?next=/admin/", {"username": email, "password": password}, REMOTE_ADDR=ip)
    return response


def admin_logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


@pytest.fixture
def root(make_user):
    return make_user("root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def hashes(monkeypatch):
    calls = []
    verify = Argon2PasswordHasher.verify
    monkeypatch.setattr(Argon2PasswordHasher, "verify", lambda s, *a: calls.append(1) or verify(s, *a))
    return calls


# The admin shares the lock.


@pytest.mark.usefixtures("root")
def test_the_admin_login_checks_ten_passwords_then_refuses_without_hashing(client, hashes):
    for _ in range(40):
        assert not admin_logged_in(admin_login(client, password=WRONG))
    assert len(hashes) == 10
    refused = admin_login(client)
    assert not admin_logged_in(refused) and len(hashes) == 10
    assert "Too many attempts" in refused.content.decode()


@pytest.mark.usefixtures("root")
def test_graphql_failures_lock_the_admin_and_the_reverse(client, gql):
    for _ in range(10):
        assert first_code(login(gql, "root@example.com", WRONG)) == "INVALID_CREDENTIALS"
    assert not admin_logged_in(admin_login(client))
    assert admin_logged_in(admin_login(client, ip="203.0.113.9"))  # the lock is per IP

    client.logout()
    for _ in range(10):
        admin_login(client, password=WRONG, ip="203.0.113.50")
    assert first_code(login(gql, "root@example.com", ip="203.0.113.50")) == "RATE_LIMITED"


@pytest.mark.usefixtures("ada")
def test_a_wrong_current_password_counts_toward_the_lock(gql, login):
    token = login()
    change = """mutation($old: String!) { changePassword(oldPassword: $old, newPassword: "a new long passphrase") {
      success errors { field code } } }"""
    for _ in range(5):
        result = gql(change, {"old": WRONG}, token=token)["changePassword"]
        assert result["errors"] == [{"field": "oldPassword", "code": "INVALID_CREDENTIALS"}]
    for _ in range(5):
        assert first_code(gql(LOGIN, {"email": "ada@example.com", "password": WRONG})["login"]) == "INVALID_CREDENTIALS"
    assert first_code(gql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD})["login"]) == "RATE_LIMITED"


# The account-wide ceiling.


def spray(gql, count=100, email="ada@example.com"):
    """`count` wrong passwords from 12 addresses, each staying under its own 10."""
    for n in range(count):
        result = login(gql, email, WRONG, ip=f"198.51.100.{n % 12 + 1}")
        assert first_code(result) == "INVALID_CREDENTIALS", (n, result)


@pytest.mark.usefixtures("ada")
def test_a_hundred_failures_from_many_addresses_lock_the_account(gql, mailoutbox, hashes):
    spray(gql)
    checked = len(hashes)
    locked = login(gql, ip="203.0.113.77")  # the right password, from a fresh address
    assert first_code(locked) == "RATE_LIMITED" and locked["token"] is None
    assert "email" in locked["errors"][0]["message"]  # where to find the way in
    assert len(hashes) == checked  # refused before any hashing
    (notice,) = mailoutbox
    assert notice.to == ["ada@example.com"] and "/unlock-account/" in notice.body
    for _ in range(5):
        login(gql, ip="203.0.113.78")
    assert len(mailoutbox) == 1  # one notice per lock, not one per attempt


@pytest.mark.usefixtures("ada")
def test_the_owners_link_lets_them_in_from_where_they_open_it(gql, mailoutbox):
    spray(gql)
    assert first_code(login(gql, ip="203.0.113.77")) == "RATE_LIMITED"
    key = re.search(r"/unlock-account/(\S+)", mailoutbox[0].body).group(1)
    assert gql(UNLOCK, {"key": key}, REMOTE_ADDR="203.0.113.77")["unlockAccount"]["success"]
    assert login(gql, ip="203.0.113.77")["success"]
    assert first_code(login(gql, ip="203.0.113.99")) == "RATE_LIMITED"  # the attacker's addresses stay locked


@pytest.mark.usefixtures("ada")
def test_an_unlock_key_that_is_forged_or_old_does_nothing(gql, mailoutbox):
    with time_machine.travel("2026-01-01 00:00:00Z", tick=False) as clock:
        spray(gql)
        login(gql, ip="203.0.113.77")
        key = re.search(r"/unlock-account/(\S+)", mailoutbox[0].body).group(1)
        forged = gql(UNLOCK, {"key": key[:-2] + "xx"}, REMOTE_ADDR="203.0.113.77")["unlockAccount"]
        assert forged["errors"][0]["code"] == "INVALID_KEY"
        clock.shift(timedelta(hours=1, seconds=1))
        expired = gql(UNLOCK, {"key": key}, REMOTE_ADDR="203.0.113.77")["unlockAccount"]
        assert expired["errors"][0]["code"] == "EXPIRED_KEY"


def test_a_password_reset_lifts_the_account_lock(gql, ada):
    spray(gql)
    assert first_code(login(gql, ip="203.0.113.77")) == "RATE_LIMITED"
    reset = (
        """mutation($key: String!) { resetPassword(key: $key, newPassword: "a brand new passphrase") { success } }"""
    )
    assert gql(reset, {"key": reset_keys.make_key(ada)})["resetPassword"]["success"]
    assert login(gql, password="a brand new passphrase", ip="203.0.113.77")["success"]


@pytest.mark.usefixtures("ada")
def test_the_account_lock_lifts_after_an_hour(gql):
    with time_machine.travel("2026-01-01 00:00:00Z", tick=False) as clock:
        spray(gql)
        assert first_code(login(gql, ip="203.0.113.77")) == "RATE_LIMITED"
        clock.shift(timedelta(hours=1, seconds=1))
        assert login(gql, ip="203.0.113.77")["success"]


def test_unknown_accounts_lock_alike_and_nobody_is_mailed(gql, mailoutbox):
    spray(gql, email="nobody@example.com")
    locked = login(gql, "nobody@example.com", ip="203.0.113.77")
    assert first_code(locked) == "RATE_LIMITED"
    assert mailoutbox == []


@pytest.mark.usefixtures("root")
def test_the_admin_shares_the_account_wide_count(client, gql):
    spray(gql, email="root@example.com")
    assert not admin_logged_in(admin_login(client, ip="203.0.113.77"))


@pytest.mark.usefixtures("ada")
def test_the_unlock_page_asks_for_a_click(client, gql, mailoutbox):
    spray(gql)
    login(gql, ip="203.0.113.77")
    key = re.search(r"/unlock-account/(\S+)", mailoutbox[0].body).group(1)
    page = client.get(f"/unlock-account/{key}")
    assert page.status_code == 200 and page["Referrer-Policy"] == "no-referrer"
    html = page.content.decode()
    assert "ada@example.com" in html and "<button" in html
    assert first_code(login(gql, ip="127.0.0.1")) == "RATE_LIMITED"  # opening it changed nothing


@pytest.mark.usefixtures("ada")
def test_one_ipv6_network_is_one_client(gql):
    """A host holds a whole /64: rotating addresses in it must not dodge the lock
    (allauth's limiter counts IPv6 per /64; the locks here do too)."""
    for n in range(10):
        assert first_code(login(gql, password=WRONG, ip=f"2001:db8:1:2::{n + 1:x}")) == "INVALID_CREDENTIALS"
    assert first_code(login(gql, ip="2001:db8:1:2::ffff")) == "RATE_LIMITED"
    assert login(gql, ip="2001:db8:1:3::1")["success"]  # another network


@pytest.mark.usefixtures("ada")
def test_a_locked_account_answers_like_an_unknown_one_with_the_same_work(
    gql, django_capture_on_commit_callbacks, settings, monkeypatch
):
    """Once an account is locked, a refused attempt must not tell whether it exists by
    the work done before the answer (the owner's notice is looked up and written after)."""
    from tests.schema.test_enumeration_timing import CacheCalls

    cache_calls = CacheCalls(monkeypatch)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_failed_account": "3/h/key"}
    for email in ("ada@example.com", "nobody@example.com"):
        for n in range(3):
            login(gql, email, WRONG, ip=f"198.51.100.{n + 1}")

    def refused(email):
        sql, deferred, calls = login_before_the_answer(
            gql,
            django_capture_on_commit_callbacks,
            cache_calls,
            email,
            STRONG_PASSWORD,
            "RATE_LIMITED",
            REMOTE_ADDR="203.0.113.7",
        )
        return len(sql), deferred, calls

    assert refused("ada@example.com") == refused("nobody@example.com")


def test_the_admins_change_password_page_passes_the_gate(client, root, hashes):
    """A stolen staff session must not guess the current password without limit."""
    sign_in_to_admin(client, root)
    form = {"new_password1": "a new long admin passphrase", "new_password2": "a new long admin passphrase"}
    for _ in range(15):
        page = client.post("/admin/password_change/", {"old_password": WRONG, **form})
        assert page.status_code == 200
    assert len(hashes) == 10
    assert "Too many attempts" in page.content.decode()
    root.refresh_from_db()
    assert root.check_password(STRONG_PASSWORD)


@pytest.mark.usefixtures("ada")
def test_a_wrong_password_does_the_same_work_as_an_unknown_address(
    gql, django_capture_on_commit_callbacks, monkeypatch
):
    """The failure is recorded as a security event after the answer, and the
    same job is queued for an unknown address, so the work before the answer
    tells nothing."""
    from audit.models import SecurityEvent
    from tests.schema.test_enumeration_timing import CacheCalls

    cache_calls = CacheCalls(monkeypatch)

    def refused(email):
        sql, deferred, calls = login_before_the_answer(
            gql, django_capture_on_commit_callbacks, cache_calls, email, WRONG, "INVALID_CREDENTIALS"
        )
        sql = [q for q in sql if "gql_auth_cache" not in q]
        assert not [q for q in sql if "securityevent" in q.lower()]  # nothing written before the answer
        return len(sql), deferred, [call[0] for call in calls]

    assert refused("ada@example.com") == refused("nobody@example.com")
    assert not SecurityEvent.objects.exists()  # the jobs were held back, not run


def login_before_the_answer(gql, capture_on_commit, cache_calls, email: str, password: str, code: str, **headers):
    """A login's work before its answer: (its SQL, the jobs it deferred, its cache calls)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache_calls.calls.clear()
    with CaptureQueriesContext(connection) as queries, capture_on_commit(execute=False) as deferred:
        response = gql.client.post(
            "/graphql/",
            {"query": LOGIN, "variables": {"email": email, "password": password}},
            content_type="application/json",
            **headers,
        )
    assert response.json()["data"]["login"]["errors"][0]["code"] == code
    return [q["sql"] for q in queries.captured_queries], len(deferred), list(cache_calls.calls)
