from datetime import timedelta

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tests.documents import LOGIN, ME, STRONG_PASSWORD, VERIFY
from tests.support import key_from
from users.models import AuthToken


def login(gql, email="ada@example.com", password=STRONG_PASSWORD, **headers):
    return gql(LOGIN, {"email": email, "password": password}, **headers)["login"]


def error_of(result):
    assert result["success"] is False
    assert result["token"] is None and result["user"] is None
    (error,) = result["errors"]
    return error["code"]


def test_login_issues_a_token_for_14_days(gql, make_user):
    user = make_user()
    result = login(gql)
    assert result["success"] and result["errors"] == []
    assert result["user"] == {"id": str(user.pk), "email": "ada@example.com", "emailVerified": True}
    expires = parse_datetime(result["expiresAt"])
    assert abs(expires - (timezone.now() + timedelta(days=14))) < timedelta(minutes=1)
    assert gql(ME, token=result["token"])["me"]["email"] == "ada@example.com"


def test_token_lifetime_is_a_setting(gql, make_user, settings):
    settings.TOKEN_TTL = timedelta(hours=1)
    make_user()
    expires = parse_datetime(login(gql)["expiresAt"])
    assert abs(expires - (timezone.now() + timedelta(hours=1))) < timedelta(minutes=1)


def test_each_login_is_a_new_session_with_client_details(gql, make_user):
    make_user()
    first = login(gql, HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="203.0.113.7")["token"]
    second = login(gql)["token"]
    assert first != second
    session = AuthToken.objects.get(user__email="ada@example.com", user_agent="Firefox/140")
    assert session.ip_address == "203.0.113.7"
    assert AuthToken.objects.count() == 2


def test_login_records_last_login(gql, make_user):
    user = make_user()
    assert user.last_login is None
    login(gql)
    user.refresh_from_db()
    assert user.last_login is not None


def test_email_is_case_insensitive(gql, make_user):
    make_user("ada@example.com")
    assert login(gql, "  ADA@Example.com ")["success"]


def test_wrong_password_and_unknown_email_answer_alike(gql, make_user):
    make_user()
    wrong = login(gql, password="not the password")
    unknown = login(gql, email="nobody@example.com")
    assert error_of(wrong) == error_of(unknown) == "INVALID_CREDENTIALS"
    assert wrong["errors"] == unknown["errors"]


def test_unknown_email_costs_a_password_hash_like_a_known_one(gql, make_user, monkeypatch):
    make_user()
    calls = []
    verify, encode = Argon2PasswordHasher.verify, Argon2PasswordHasher.encode
    monkeypatch.setattr(Argon2PasswordHasher, "verify", lambda s, *a: calls.append("verify") or verify(s, *a))
    monkeypatch.setattr(Argon2PasswordHasher, "encode", lambda s, *a: calls.append("encode") or encode(s, *a))
    login(gql, password="not the password")
    known = len(calls)
    calls.clear()
    login(gql, email="nobody@example.com", password="not the password")
    assert len(calls) == known == 1


@pytest.mark.parametrize("verified", [True, False])
@pytest.mark.parametrize("active", [True, False])
def test_wrong_password_says_nothing_of_the_account_state(gql, make_user, verified, active):
    make_user(verified=verified, is_active=active)
    assert error_of(login(gql, password="not the password")) == "INVALID_CREDENTIALS"


def test_unverified_account_with_right_password_gets_a_fresh_link(gql, make_user, mailoutbox):
    make_user(verified=False)
    result = login(gql)
    assert error_of(result) == "EMAIL_NOT_VERIFIED"
    (mail,) = mailoutbox
    assert gql(VERIFY, {"key": key_from(mail)})["verifyEmail"]["success"]
    assert login(gql)["success"]


def test_unverified_logins_mail_once_per_cooldown(gql, make_user, mailoutbox):
    make_user(verified=False)
    for _ in range(3):
        assert error_of(login(gql)) == "EMAIL_NOT_VERIFIED"
    assert len(mailoutbox) == 1
    assert not AuthToken.objects.exists()


def test_account_made_outside_register_can_verify_through_login(gql, mailoutbox, django_user_model):
    django_user_model.objects.create_user("ops@example.com", STRONG_PASSWORD)
    assert error_of(login(gql, "ops@example.com")) == "EMAIL_NOT_VERIFIED"
    assert gql(VERIFY, {"key": key_from(mailoutbox[0])})["verifyEmail"]["success"]
    assert login(gql, "ops@example.com")["success"]


def test_deactivated_account_with_right_password(gql, make_user):
    make_user(is_active=False)
    assert error_of(login(gql)) == "ACCOUNT_DISABLED"
    assert not AuthToken.objects.exists()


@pytest.mark.parametrize(
    "email, password, field",
    [("", STRONG_PASSWORD, "email"), ("ada", STRONG_PASSWORD, "email"), ("ada@example.com", "", "password")],
)
def test_malformed_arguments_are_invalid_input(gql, make_user, email, password, field):
    make_user()
    result = login(gql, email, password)
    assert [(e["field"], e["code"]) for e in result["errors"]] == [(field, "INVALID_INPUT")]


def test_overlong_password_is_refused_before_hashing(gql, make_user, monkeypatch):
    make_user()
    monkeypatch.setattr(Argon2PasswordHasher, "verify", lambda *a: pytest.fail("hashed"))
    monkeypatch.setattr(Argon2PasswordHasher, "encode", lambda *a: pytest.fail("hashed"))
    result = login(gql, password="p" * 1025)
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("password", "INVALID_INPUT")]


@pytest.mark.parametrize("header", ["Token gqa_stale", "Bearer", "Basic Zm9vOmJhcg==", "Token a b"])
def test_a_bad_token_never_blocks_login(gql, make_user, header):
    make_user()
    assert login(gql, HTTP_AUTHORIZATION=header)["success"]
