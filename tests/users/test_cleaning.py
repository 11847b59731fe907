"""users.cleaning: what every flow refuses before it hashes or looks anything up."""

import pytest

from users.cleaning import (
    KEY_MAX_LENGTH,
    clean_all,
    clean_email,
    clean_key,
    clean_new_password,
    clean_password,
    is_text,
)
from users.errors import AccountErrors, ErrorCode, InvalidInput, InvalidKey, PasswordTooWeak
from users.models import User


def test_addresses_come_out_in_their_one_spelling_or_not_at_all():
    assert clean_email("  Ada@Example.COM ") == "ada@example.com"
    for bad in ["", "   ", "ada", "ada@", "a" * 250 + "@example.com"]:
        with pytest.raises(InvalidInput) as failure:
            clean_email(bad, field="newEmail")
        assert failure.value.field == "newEmail"


def test_passwords_are_refused_empty_over_long_or_not_text(settings):
    assert clean_password("correct horse") == "correct horse"
    for bad in ["", "x" * (settings.PASSWORD_MAX_LENGTH + 1), "nul\x00byte", "lone \ud800 surrogate"]:
        with pytest.raises(InvalidInput):
            clean_password(bad)
    with pytest.raises(PasswordTooWeak):
        clean_new_password("password", User(email="ada@example.com"))


def test_keys_are_trimmed_printable_ascii_of_bounded_length():
    assert clean_key("  abc-123:def \n") == "abc-123:def"
    with pytest.raises(InvalidInput):
        clean_key(" ")
    with pytest.raises(InvalidInput):
        clean_key("k" * (KEY_MAX_LENGTH + 1))
    for malformed in ["clé", "tab\there", "zero\u200bwidth"]:
        with pytest.raises(InvalidKey):
            clean_key(malformed)


def test_clean_all_reports_every_failure_in_order_or_returns_every_value():
    assert clean_all(lambda: 1, lambda: "two") == [1, "two"]
    with pytest.raises(AccountErrors) as failures:
        clean_all(lambda: clean_email("", field="email"), lambda: 3, lambda: clean_key(""))
    assert [(e.field, e.code) for e in failures.value.errors] == [
        ("email", ErrorCode.INVALID_INPUT),
        ("key", ErrorCode.INVALID_INPUT),
    ]


def test_is_text():
    assert is_text("plain ünïcode ✓") and not is_text("\x00") and not is_text("\udfff")
