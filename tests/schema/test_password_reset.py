from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import Argon2PasswordHasher

from tests.documents import LOGIN, ME, REQUEST_RESET, RESET, STRONG_PASSWORD, failures
from tests.support import key_from
from users import reset_keys
from users.models import AuthToken

NEW_PASSWORD = "a fresh and long passphrase"


def request_reset(gql, email="ada@example.com", **headers):
    return gql(REQUEST_RESET, {"email": email}, **headers)["requestPasswordReset"]


def reset(gql, key, password=NEW_PASSWORD):
    return gql(RESET, {"key": key, "password": password})["resetPassword"]


def login_works(gql, password, email="ada@example.com"):
    return gql(LOGIN, {"email": email, "password": password})["login"]["success"]


@pytest.mark.usefixtures("ada")
def test_reset_by_emailed_link(gql, mailoutbox, settings):
    settings.PUBLIC_URL = "https://auth.example.org"
    assert request_reset(gql, "Ada@Example.com") == {"success": True, "errors": []}
    (mail,) = mailoutbox
    assert mail.to == ["ada@example.com"]
    assert "https://auth.example.org/reset-password/" in mail.body
    assert "https://auth.example.org/reset-password/" in mail.alternatives[0][0]
    assert reset(gql, key_from(mail, "reset-password")) == {"success": True, "errors": []}
    assert login_works(gql, NEW_PASSWORD)
    assert not login_works(gql, STRONG_PASSWORD)
    notice = mailoutbox[1]
    assert notice.subject == "[gql-auth] Your password was changed"
    assert "127.0.0.1" in notice.body  # from where


@pytest.mark.parametrize("state", ["unknown", "deactivated"])
def test_answers_alike_and_mails_nobody(gql, make_user, mailoutbox, state):
    if state == "deactivated":
        make_user("ada@example.com", is_active=False)
    assert request_reset(gql) == {"success": True, "errors": []}
    assert mailoutbox == []


@pytest.mark.usefixtures("ada")
def test_known_and_unknown_addresses_cost_the_same_hashing(gql, monkeypatch):
    calls = []
    for name in ("encode", "verify"):
        original = getattr(Argon2PasswordHasher, name)
        monkeypatch.setattr(Argon2PasswordHasher, name, lambda s, *a, _o=original: calls.append(1) or _o(s, *a))
    request_reset(gql, "ada@example.com")
    known = len(calls)
    request_reset(gql, "nobody@example.com")
    assert len(calls) - known == known == 0


def test_malformed_address_is_invalid_input(gql):
    assert failures(request_reset(gql, "ada")) == [("email", "INVALID_INPUT")]


def test_key_works_once(gql, ada):
    key = reset_keys.make_key(ada)
    assert reset(gql, key)["success"]
    assert failures(reset(gql, key, "yet another passphrase!")) == [("key", "INVALID_KEY")]
    assert login_works(gql, NEW_PASSWORD)


def test_key_expires_after_an_hour(gql, ada):
    with time_machine.travel("2026-01-01 00:00:00Z", tick=False) as clock:
        key = reset_keys.make_key(ada)
        clock.shift(timedelta(minutes=59))
        assert reset_keys.check(ada, key).value == "valid"
        clock.shift(timedelta(minutes=1, seconds=1))
        result = reset(gql, key)
    assert failures(result) == [("key", "EXPIRED_KEY")]
    assert login_works(gql, STRONG_PASSWORD)


def test_key_lifetime_is_a_setting(gql, ada, settings):
    settings.PASSWORD_RESET_TIMEOUT = 600
    with time_machine.travel("2026-01-01 00:00:00Z", tick=False) as clock:
        key = reset_keys.make_key(ada)
        clock.shift(timedelta(minutes=11))
        assert failures(reset(gql, key)) == [("key", "EXPIRED_KEY")]


def test_any_password_change_voids_older_keys(gql, ada):
    key = reset_keys.make_key(ada)
    ada.set_password("changed some other way")
    ada.save()
    assert failures(reset(gql, key)) == [("key", "INVALID_KEY")]


def tamper(key: str) -> str:
    return key[:-1] + ("a" if key[-1] != "a" else "b")


@pytest.mark.parametrize(
    "mangle",
    [
        tamper,
        lambda key: "zzzzzzzzzzzzz" + key[key.index("-") :],  # an id no database holds
        lambda key: "2" + key[key.index("-") :],  # another user's id
        lambda key: "nonsense",
        lambda key: "---",
        lambda key: key.split("-")[0] + "-zzzzzzzzzzzzzzzz-abc",
    ],
)
def test_tampered_or_unknown_key_is_invalid(gql, ada, make_user, mangle):
    make_user("bob@example.com")
    assert failures(reset(gql, mangle(reset_keys.make_key(ada)))) == [("key", "INVALID_KEY")]
    assert login_works(gql, STRONG_PASSWORD)


def test_key_of_a_deactivated_account_is_invalid(gql, ada):
    key = reset_keys.make_key(ada)
    ada.is_active = False
    ada.save()
    assert failures(reset(gql, key)) == [("key", "INVALID_KEY")]


def test_weak_password_keeps_the_key(gql, ada):
    key = reset_keys.make_key(ada)
    result = reset(gql, key, "ada@example.com")
    assert failures(result) == [("newPassword", "PASSWORD_TOO_WEAK")]
    assert "too similar" in result["errors"][0]["message"]
    assert reset(gql, key)["success"]


@pytest.mark.parametrize(
    "key, password, expected",
    [
        ("", NEW_PASSWORD, [("key", "INVALID_INPUT")]),
        ("abc-def-ghi", "", [("newPassword", "INVALID_INPUT")]),
        ("", "x" * 1025, [("key", "INVALID_INPUT"), ("newPassword", "INVALID_INPUT")]),
    ],
)
def test_malformed_arguments_are_invalid_input(gql, key, password, expected):
    assert failures(reset(gql, key, password)) == expected


def test_reset_revokes_every_token(gql, ada, login):
    tokens = [login(), login()]
    ada.refresh_from_db()
    assert reset(gql, reset_keys.make_key(ada))["success"]
    assert not AuthToken.objects.exists()
    for token in tokens:
        assert gql(ME, token=token)["me"] is None


def test_reset_verifies_the_address_it_was_sent_to(gql, make_user, mailoutbox):
    make_user("grace@example.com", verified=False)
    request_reset(gql, "grace@example.com")
    assert reset(gql, key_from(mailoutbox[0], "reset-password"))["success"]
    assert EmailAddress.objects.get(email="grace@example.com").verified
    assert login_works(gql, NEW_PASSWORD, "grace@example.com")


@pytest.mark.usefixtures("ada")
def test_requests_are_limited_per_ip(gql):
    for n in range(20):
        assert request_reset(gql, f"user{n}@example.com")["success"]
    assert failures(request_reset(gql)) == [(None, "RATE_LIMITED")]
    assert request_reset(gql, REMOTE_ADDR="203.0.113.9")["success"]


@pytest.mark.usefixtures("ada")
def test_strangers_cannot_flood_the_inbox_nor_block_the_owners_recovery(gql, mailoutbox, settings):
    """Requests for one address, from anywhere, send at most one mail per cooldown;
    none is refused, and the link that went out works for the owner."""
    with time_machine.travel("2026-01-01 00:00:00Z", tick=False) as clock:
        for n in range(10):
            assert request_reset(gql, REMOTE_ADDR=f"203.0.113.{n}")["success"]
        assert request_reset(gql)["success"]  # the owner's own request answers alike
        (mail,) = mailoutbox
        clock.shift(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT - 60))
        assert request_reset(gql)["success"]
        assert len(mailoutbox) == 2  # the cooldown is over: a fresh link
        assert reset(gql, key_from(mail, "reset-password"))["success"]  # the first one still works


def test_reset_attempts_are_limited_per_ip(gql):
    for _ in range(20):
        assert failures(reset(gql, "1-abc-def")) == [("key", "INVALID_KEY")]
    assert failures(reset(gql, "1-abc-def")) == [(None, "RATE_LIMITED")]


@pytest.mark.usefixtures("ada")
def test_a_login_does_not_void_the_reset_link(gql, mailoutbox):
    """An intruder who knows the password must not block recovery by logging in."""
    request_reset(gql)
    key = key_from(mailoutbox[0], "reset-password")
    for _ in range(2):
        assert login_works(gql, STRONG_PASSWORD)  # moves last_login
    assert reset(gql, key) == {"success": True, "errors": []}


def test_a_changed_address_voids_the_reset_link(gql, ada):
    key = reset_keys.make_key(ada)
    EmailAddress.objects.filter(user=ada).update(email="ada@elsewhere.example")
    ada.email = "ada@elsewhere.example"
    ada.save()
    assert failures(reset(gql, key)) == [("key", "INVALID_KEY")]
