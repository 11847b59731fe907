import logging

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.cache import cache
from django_tasks_db.models import DBTaskResult

from tests.documents import REGISTER, STRONG_PASSWORD, field_codes
from tests.support import DATABASE_QUEUE, run_jobs
from users.models import User


def register(gql, email="grace@example.com", password=STRONG_PASSWORD):
    return gql(REGISTER, {"email": email, "password": password})["register"]


def test_new_account_is_unverified_and_gets_a_verification_mail(gql, mailoutbox, settings):
    settings.PUBLIC_URL = "https://auth.example.org"
    assert register(gql)["success"]

    user = User.objects.get()
    assert user.email == "grace@example.com"
    assert user.password.startswith("argon2$")
    assert EmailAddress.objects.get(user=user).verified is False

    (mail,) = mailoutbox
    assert "https://auth.example.org/verify-email/" in mail.body
    ((html, mimetype),) = mail.alternatives
    assert mimetype == "text/html"
    assert "https://auth.example.org/verify-email/" in html
    assert mail.subject.startswith("[gql-auth] ")


def test_taken_address_answers_alike_and_mails_the_owner(gql, make_user, mailoutbox):
    owner = make_user("grace@example.com", "an older passphrase 1")
    first = register(gql, "Grace@Example.com")
    assert first == {"success": True, "errors": []}

    assert User.objects.count() == 1
    owner.refresh_from_db()
    assert owner.check_password("an older passphrase 1")
    (mail,) = mailoutbox
    assert mail.to == ["grace@example.com"]
    assert "already has an account" in mail.body
    assert "/verify-email/" not in mail.body


def test_taken_address_costs_one_password_hash_like_a_new_one(gql, make_user, monkeypatch):
    calls = []
    encode = Argon2PasswordHasher.encode
    monkeypatch.setattr(Argon2PasswordHasher, "encode", lambda self, *a, **k: calls.append(1) or encode(self, *a, **k))
    register(gql, "new@example.com")
    new_account = len(calls)
    make_user("taken@example.com")
    calls.clear()
    register(gql, "taken@example.com")
    assert len(calls) == new_account == 1


def test_owner_is_mailed_once_per_cooldown(gql, make_user, mailoutbox):
    make_user("grace@example.com")
    for _ in range(3):
        assert register(gql)["success"]
    assert len(mailoutbox) == 1


def test_email_is_case_insensitive(gql, mailoutbox):
    assert register(gql, "Foo@Example.COM")["success"]
    cache.clear()  # past the per-address mail cooldown
    assert register(gql, "foo@example.com")["success"]
    assert list(User.objects.values_list("email", flat=True)) == ["foo@example.com"]
    assert mailoutbox[1].to == ["foo@example.com"]
    assert "already has an account" in mailoutbox[1].body


@pytest.mark.parametrize(
    "email, message",
    [
        ("", "Enter an email address."),
        ("   ", "Enter an email address."),
        ("not-an-email", "Enter a valid email address."),
        ("a@b@example.com", "Enter a valid email address."),
        ("nul\x00@example.com", "This address holds invisible or control characters."),
        ("x" * 250 + "@example.com", "An email address has at most 254 characters."),
    ],
)
def test_malformed_email_is_invalid_input(gql, mailoutbox, email, message):
    result = register(gql, email)
    assert result["success"] is False
    assert result["errors"] == [{"field": "email", "code": "INVALID_INPUT", "message": message}]
    assert not User.objects.exists() and not mailoutbox


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short pw 1", "too short"),
        ("password1234", "too common"),
        ("384729104857392", "entirely numeric"),
        ("grace@example.com", "too similar"),
    ],
)
def test_weak_password_says_why(gql, mailoutbox, password, reason):
    result = register(gql, password=password)
    (error,) = result["errors"]
    assert (error["field"], error["code"]) == ("password", "PASSWORD_TOO_WEAK")
    assert reason in error["message"]
    assert not User.objects.exists() and not mailoutbox


def test_empty_password_is_invalid_input(gql):
    assert field_codes(register(gql, password="")) == [("password", "INVALID_INPUT")]


def test_overlong_password_is_refused_before_hashing(gql, monkeypatch):
    monkeypatch.setattr(Argon2PasswordHasher, "encode", lambda *a, **k: pytest.fail("hashed"))
    result = register(gql, password="a" * 1025)
    assert field_codes(result) == [("password", "INVALID_INPUT")]
    assert "1024" in result["errors"][0]["message"]


def test_every_malformed_argument_is_reported_at_once(gql):
    assert field_codes(register(gql, "nope", "")) == [("email", "INVALID_INPUT"), ("password", "INVALID_INPUT")]


def test_mail_outage_keeps_the_account_and_its_mail_and_is_logged(gql, settings, caplog):
    settings.TASKS = DATABASE_QUEUE
    settings.EMAIL_BACKEND = "tests.support.BrokenSMTPBackend"
    assert register(gql) == {"success": True, "errors": []}
    with caplog.at_level(logging.WARNING, logger="users.mail"):
        run_jobs()
    assert User.objects.filter(email="grace@example.com").exists()
    (record,) = caplog.records
    assert "not sent yet: SMTPServerDisconnected" in record.getMessage()
    assert "/verify-email/" not in caplog.text  # the key is a secret: never logged
    # The mail waits for its next attempt (tests/users/test_jobs.py).
    assert DBTaskResult.objects.get().task_path == "users.mail.deliver"
