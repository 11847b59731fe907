"""Brute-force protection of login and the other credential mutations."""

from datetime import timedelta

import pytest
import time_machine

from tests.documents import LOGIN, REGISTER, STRONG_PASSWORD, VERIFY, first_code

WRONG = "not the password at all"


def login(gql, email="ada@example.com", password=STRONG_PASSWORD, ip="198.51.100.1", **headers):
    return gql(LOGIN, {"email": email, "password": password}, REMOTE_ADDR=ip, **headers)["login"]


def fail(gql, times, **kwargs):
    for _ in range(times):
        assert first_code(login(gql, password=WRONG, **kwargs)) == "INVALID_CREDENTIALS"


@pytest.mark.usefixtures("ada")
def test_eleventh_attempt_is_locked_even_with_the_right_password(gql):
    fail(gql, 10)
    locked = login(gql)
    assert first_code(locked) == "RATE_LIMITED"
    assert locked["token"] is None
    assert "15 minutes" in locked["errors"][0]["message"]
    assert first_code(login(gql, password=WRONG)) == "RATE_LIMITED"


@pytest.mark.usefixtures("ada")
def test_lock_costs_no_password_hashing(gql, monkeypatch):
    from django.contrib.auth.hashers import Argon2PasswordHasher

    fail(gql, 10)
    monkeypatch.setattr(Argon2PasswordHasher, "verify", lambda *a: pytest.fail("hashed"))
    assert first_code(login(gql)) == "RATE_LIMITED"


@pytest.mark.usefixtures("ada")
def test_lock_is_per_account_and_per_ip(gql, make_user):
    make_user("bob@example.com")
    fail(gql, 10)
    assert login(gql, "bob@example.com")["success"]  # other account, same IP
    assert login(gql, ip="203.0.113.9")["success"]  # same account, other IP


def test_unknown_accounts_lock_alike(gql):
    fail(gql, 10, email="nobody@example.com")
    assert first_code(login(gql, "nobody@example.com")) == "RATE_LIMITED"


@pytest.mark.usefixtures("ada")
def test_lock_lifts_after_the_window(gql):
    with time_machine.travel("2026-01-01 00:00:00Z", tick=False) as clock:
        fail(gql, 10)
        assert first_code(login(gql)) == "RATE_LIMITED"
        clock.shift(timedelta(minutes=15, seconds=1))
        assert login(gql)["success"]


def test_a_new_password_lifts_the_lock(gql, ada):
    fail(gql, 10)
    ada.set_password("a brand new passphrase")
    ada.save()
    assert login(gql, password="a brand new passphrase")["success"]


@pytest.mark.usefixtures("ada")
def test_successful_logins_are_not_counted_as_failures(gql):
    for _ in range(15):
        assert login(gql)["success"]
    fail(gql, 9)
    assert login(gql)["success"]


def test_per_ip_ceiling_stops_password_spraying(gql, make_user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "", "login_failed": "100/h/ip,10/15m/key"}
    make_user("target@example.com")
    for n in range(100):
        assert first_code(login(gql, f"user{n}@example.com", WRONG)) == "INVALID_CREDENTIALS"
    assert first_code(login(gql, "target@example.com")) == "RATE_LIMITED"
    assert login(gql, "target@example.com", ip="203.0.113.9")["success"]


@pytest.mark.usefixtures("ada")
def test_every_login_attempt_counts_per_ip(gql):
    for _ in range(30):
        login(gql)
    result = login(gql)
    assert first_code(result) == "RATE_LIMITED"
    assert "1 minute" in result["errors"][0]["message"]


def test_register_is_limited_per_ip_and_strangers_cannot_block_an_address(gql, mailoutbox):
    def register(email, ip="198.51.100.1"):
        variables = {"email": email, "password": STRONG_PASSWORD}
        return gql(REGISTER, variables, REMOTE_ADDR=ip)["register"]

    for n in range(10):  # strangers, from many addresses, register grace's address
        assert register("grace@example.com", ip=f"203.0.113.{n}")["success"]
    assert len(mailoutbox) == 1  # her inbox gets one mail per cooldown, not ten
    for n in range(20):
        assert register(f"user{n}@example.com")["success"]
    assert first_code(register("one.more@example.com")) == "RATE_LIMITED"  # 20 a minute per IP
    assert register("one.more@example.com", ip="203.0.113.10")["success"]


def test_verify_email_is_limited_per_ip(gql):
    for _ in range(20):
        assert first_code(gql(VERIFY, {"key": "forged:key"})["verifyEmail"]) == "INVALID_KEY"
    assert first_code(gql(VERIFY, {"key": "forged:key"})["verifyEmail"]) == "RATE_LIMITED"


@pytest.mark.usefixtures("ada")
def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(gql, settings):
    for n in range(10):
        result = login(gql, password=WRONG, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        assert first_code(result) == "INVALID_CREDENTIALS"
    assert first_code(login(gql, HTTP_X_FORWARDED_FOR="192.0.2.77")) == "RATE_LIMITED"

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1  # now one proxy in front: its header is believed
    assert login(gql, HTTP_X_FORWARDED_FOR="192.0.2.77")["success"]


@pytest.mark.parametrize("forwarded", ["not-an-ip", "", " , ", "garbage, 198.51.100.7", "<script>"])
@pytest.mark.usefixtures("ada")
def test_a_forwarded_for_that_is_not_an_address_counts_against_the_socket(gql, settings, forwarded):
    """Behind TRUSTED_PROXY_COUNT proxies, a header the proxies did not write (too short,
    not an address) cannot crash a flow nor dodge the lock: the socket's address counts."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    for _ in range(10):
        result = gql(
            LOGIN,
            {"email": "ada@example.com", "password": WRONG},
            REMOTE_ADDR="198.51.100.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        )["login"]
        assert first_code(result) == "INVALID_CREDENTIALS"
    assert first_code(login(gql)) == "RATE_LIMITED"  # same socket address, no header


@pytest.mark.usefixtures("ada")
def test_a_flood_of_other_keys_does_not_evict_a_lock(gql):
    """A cache that culls its oldest entries past a size (Django's default: 300)
    would let an attacker flush a lock by touching enough other keys."""
    fail(gql, 10)
    for n in range(400):
        email, ip = f"flood{n}@example.com", f"203.0.{n // 20}.{n % 20 + 1}"
        login(gql, email, WRONG, ip=ip)
    assert first_code(login(gql)) == "RATE_LIMITED"
