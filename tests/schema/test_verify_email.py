from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress, EmailConfirmationHMAC

from tests.documents import VERIFY


def verify(gql, key):
    return gql(VERIFY, {"key": key})["verifyEmail"]


def error_of(result):
    assert result["success"] is False
    (error,) = result["errors"]
    return error["field"], error["code"]


@pytest.fixture
def address(make_user):
    user = make_user("grace@example.com", verified=False)
    return EmailAddress.objects.get(user=user)


def test_key_verifies_its_address_once(gql, address):
    key = EmailConfirmationHMAC(address).key
    assert verify(gql, key) == {"success": True, "errors": []}
    address.refresh_from_db()
    assert address.verified and address.primary
    assert error_of(verify(gql, key)) == ("key", "INVALID_KEY")


@pytest.mark.usefixtures("settings")
def test_expired_key(gql, address):
    with time_machine.travel("2026-01-01 00:00:00Z", tick=False) as clock:
        key = EmailConfirmationHMAC(address).key
        clock.shift(timedelta(days=3, seconds=1))
        result = verify(gql, key)
    assert error_of(result) == ("key", "EXPIRED_KEY")
    assert "expired" in result["errors"][0]["message"]
    address.refresh_from_db()
    assert not address.verified


def test_key_lifetime_is_a_setting(gql, address, settings):
    settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 1
    with time_machine.travel("2026-01-01 00:00:00Z", tick=False) as clock:
        key = EmailConfirmationHMAC(address).key
        clock.shift(timedelta(hours=23))
        assert verify(gql, key)["success"]


def test_key_works_until_its_last_second(gql, address):
    with time_machine.travel("2026-01-01 00:00:00Z", tick=False) as clock:
        key = EmailConfirmationHMAC(address).key
        clock.shift(timedelta(days=3) - timedelta(seconds=1))
        assert verify(gql, key)["success"]


def tamper(key: str) -> str:
    return key[:-1] + ("A" if key[-1] != "A" else "B")


@pytest.mark.parametrize(
    "mangle",
    [
        tamper,
        lambda key: "MTIzNDU:" + key.split(":", 1)[1],  # another address id, same signature
        lambda key: "garbage",
        lambda key: "::::",
        lambda key: "é" * 40,
        lambda key: "\x00" + key,
    ],
)
def test_tampered_or_unknown_key_is_invalid(gql, address, mangle):
    result = verify(gql, mangle(EmailConfirmationHMAC(address).key))
    assert error_of(result) == ("key", "INVALID_KEY")
    address.refresh_from_db()
    assert not address.verified


def test_expired_and_tampered_key_is_invalid_not_expired(gql, address):
    with time_machine.travel("2026-01-01 00:00:00Z", tick=False) as clock:
        key = tamper(EmailConfirmationHMAC(address).key)
        clock.shift(timedelta(days=30))
        assert error_of(verify(gql, key)) == ("key", "INVALID_KEY")


def test_key_of_a_deleted_account_is_invalid(gql, address):
    key = EmailConfirmationHMAC(address).key
    address.user.delete()
    assert error_of(verify(gql, key)) == ("key", "INVALID_KEY")


@pytest.mark.parametrize("key", ["", "   ", "k" * 513])
def test_empty_or_overlong_key_is_invalid_input(gql, key):
    assert error_of(verify(gql, key)) == ("key", "INVALID_INPUT")
