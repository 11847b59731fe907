"""changeEmail: a link to the new address; the old keeps working until it is
verified, is then removed and told; a taken address answers the same and its
owner is told; recent authentication; limits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit.models import SecurityEvent
from tests.documents import LOGIN, REGISTER, STRONG_PASSWORD, VERIFY
from tests.support import key_from
from users.models import User

pytestmark = pytest.mark.django_db

CHANGE_EMAIL = "mutation($e: String!) { changeEmail(newEmail: $e) { success errors { field code message } } }"


def signs_in(gql, email: str) -> bool:
    return bool(gql(LOGIN, {"email": email, "password": STRONG_PASSWORD})["login"]["token"])


def test_the_new_address_takes_over_once_verified_and_the_old_is_told(gql, make_user, login, clock):
    user = make_user()
    token = login()
    mail.outbox.clear()
    assert gql(CHANGE_EMAIL, {"e": "Ada.New@Example.com"}, token=token)["changeEmail"] == {
        "success": True,
        "errors": [],
    }
    (link,) = mail.outbox
    assert link.to == ["ada.new@example.com"]
    assert signs_in(gql, "ada@example.com") and not signs_in(gql, "ada.new@example.com")  # not yet
    page = Client().get(f"/verify-email/{key_from(link)}")
    assert b"ada.new@example.com" in page.content

    mail.outbox.clear()
    assert gql(VERIFY, {"key": key_from(link)})["verifyEmail"]["success"]
    user.refresh_from_db()
    assert user.email == "ada.new@example.com"
    assert list(EmailAddress.objects.values_list("email", "verified", "primary")) == [
        ("ada.new@example.com", True, True)
    ]
    (notice,) = mail.outbox
    assert notice.to == ["ada@example.com"] and "ada.new@example.com" in notice.body
    assert signs_in(gql, "ada.new@example.com") and not signs_in(gql, "ada@example.com")
    events = list(
        SecurityEvent.objects.filter(user=user).exclude(type="LOGIN").order_by("id").values_list("type", flat=True)
    )
    assert events[0] == "EMAIL_CHANGE_REQUESTED" and "EMAIL_CHANGED" in events


def test_a_taken_address_answers_the_same_and_its_owner_is_told(gql, make_user, login, clock):
    make_user()
    make_user("bob@example.com")
    token = login()
    mail.outbox.clear()
    assert gql(CHANGE_EMAIL, {"e": "bob@example.com"}, token=token)["changeEmail"] == {"success": True, "errors": []}
    (notice,) = mail.outbox
    assert notice.to == ["bob@example.com"] and "nothing was changed" in notice.body
    assert "/verify-email/" not in notice.body
    assert not EmailAddress.objects.filter(email="bob@example.com", user__email="ada@example.com").exists()
    assert User.objects.get(email="ada@example.com")


def test_taken_and_free_addresses_do_the_same_work_before_the_answer(
    gql, make_user, login, django_capture_on_commit_callbacks
):
    make_user()
    make_user("bob@example.com")
    token = login()

    def work(address: str):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=False) as deferred,
        ):
            response = gql.client.post(
                "/graphql/",
                {"query": CHANGE_EMAIL, "variables": {"e": address}},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {token}",
            )
        assert response.json()["data"]["changeEmail"]["success"]
        sql = [q["sql"] for q in queries.captured_queries if "gql_auth_cache" not in q["sql"]]
        shapes = [re.sub(r"'[^']*'", "?", q) for q in sql if "SAVEPOINT" not in q]  # times and digests differ
        return shapes, len(deferred)

    assert work("bob@example.com") == work("nobody@example.com")


def test_it_needs_a_recent_login_and_a_valid_address(gql, make_user, login, clock):
    make_user()
    token = login()
    bad = gql(CHANGE_EMAIL, {"e": "not an address"}, token=token)["changeEmail"]
    assert (bad["errors"][0]["field"], bad["errors"][0]["code"]) == ("newEmail", "INVALID_INPUT")
    clock.shift(timedelta(seconds=301))
    stale = gql(CHANGE_EMAIL, {"e": "ada.new@example.com"}, token=token)["changeEmail"]
    assert stale["errors"][0]["code"] == "REAUTHENTICATION_REQUIRED"
    assert gql(CHANGE_EMAIL, {"e": "ada.new@example.com"})["changeEmail"]["errors"][0]["code"] == "NOT_AUTHENTICATED"
    assert EmailAddress.objects.count() == 1


def test_it_is_rate_limited_per_account(gql, make_user, login, clock):
    make_user()
    token = login()
    for n in range(5):
        assert gql(CHANGE_EMAIL, {"e": f"new{n}@example.com"}, token=token)["changeEmail"]["success"]
    refused = gql(CHANGE_EMAIL, {"e": "new9@example.com"}, token=token)["changeEmail"]
    assert refused["errors"][0]["code"] == "RATE_LIMITED"


def test_a_newer_request_replaces_the_pending_one(gql, make_user, login, clock):
    make_user()
    token = login()
    gql(CHANGE_EMAIL, {"e": "first@example.com"}, token=token)
    first = key_from(mail.outbox[-1])
    gql(CHANGE_EMAIL, {"e": "second@example.com"}, token=token)
    assert gql(VERIFY, {"key": first})["verifyEmail"]["errors"][0]["code"] == "INVALID_KEY"
    assert gql(VERIFY, {"key": key_from(mail.outbox[-1])})["verifyEmail"]["success"]
    assert User.objects.get().email == "second@example.com"


def test_an_address_registered_meanwhile_is_not_taken_over(gql, make_user, login, clock):
    make_user()
    token = login()
    gql(CHANGE_EMAIL, {"e": "ada.new@example.com"}, token=token)
    link = key_from(mail.outbox[-1])
    assert gql(REGISTER, {"email": "ada.new@example.com", "password": STRONG_PASSWORD})["register"]["success"]
    refused = gql(VERIFY, {"key": link})["verifyEmail"]
    assert refused["errors"][0]["code"] == "INVALID_KEY"
    assert User.objects.get(pk=User.objects.get(email="ada@example.com").pk).email == "ada@example.com"


# What a review found changeEmail let through.

RESEND = "mutation($e: String!) { resendVerificationEmail(email: $e) { success } }"


def test_a_resend_never_sends_another_accounts_pending_change(gql, make_user, login, clock):
    make_user()
    gql(CHANGE_EMAIL, {"e": "x@example.com"}, token=login())
    mallorys_link = key_from(mail.outbox[-1])
    assert "asked to sign in with this address" in mail.outbox[-1].body  # a change says it is one
    mail.outbox.clear()
    gql(RESEND, {"e": "x@example.com"})
    assert all(mallorys_link not in message.body for message in mail.outbox)
    assert User.objects.get(email="ada@example.com")


@pytest.mark.parametrize("target", ["bob@example.com", "nobody@example.com"])
def test_a_pending_change_neither_voids_a_reset_link_nor_tells_if_the_address_was_free(
    gql, make_user, login, clock, target
):
    from tests.documents import REQUEST_RESET, RESET

    make_user()
    make_user("bob@example.com")
    token = login()
    gql(REQUEST_RESET, {"email": "ada@example.com"})
    reset_key = key_from(mail.outbox[-1], "reset-password")
    change = gql(CHANGE_EMAIL, {"e": target}, token=token)["changeEmail"]
    assert change["success"]
    result = gql(RESET, {"key": reset_key, "password": "a new passphrase for ada"})["resetPassword"]
    assert result["success"], result


def test_an_address_taken_in_the_moment_of_verification_answers_invalid_key(gql, make_user, login, clock, monkeypatch):
    from allauth.account.models import EmailConfirmationHMAC

    make_user()
    gql(CHANGE_EMAIL, {"e": "x@example.com"}, token=login())
    link = key_from(mail.outbox[-1])
    confirm = EmailConfirmationHMAC.confirm

    def registered_meanwhile(self, request):
        User.objects.create_user("x@example.com", STRONG_PASSWORD)
        return confirm(self, request)

    monkeypatch.setattr(EmailConfirmationHMAC, "confirm", registered_meanwhile)
    refused = gql(VERIFY, {"key": link})["verifyEmail"]
    assert refused["errors"][0]["code"] == "INVALID_KEY"


def test_a_disabled_account_cannot_complete_a_change(gql, make_user, login, clock):
    user = make_user()
    gql(CHANGE_EMAIL, {"e": "x@example.com"}, token=login())
    link = key_from(mail.outbox[-1])
    user.is_active = False
    user.save()
    assert gql(VERIFY, {"key": link})["verifyEmail"]["errors"][0]["code"] == "INVALID_KEY"
    assert User.objects.get(pk=user.pk).email == "ada@example.com"


def test_asking_again_for_the_same_address_keeps_its_link(gql, make_user, login, clock):
    """Within the mail cooldown no new link goes out: the one sent must stay good."""
    make_user()
    token = login()
    gql(CHANGE_EMAIL, {"e": "x@example.com"}, token=token)
    link = key_from(mail.outbox[-1])
    sent = len(mail.outbox)
    gql(CHANGE_EMAIL, {"e": "x@example.com"}, token=token)
    assert len(mail.outbox) == sent
    assert gql(VERIFY, {"key": link})["verifyEmail"]["success"]


def test_asking_for_ones_own_address_changes_and_records_nothing(gql, make_user, login, clock):
    user = make_user()
    mail.outbox.clear()
    assert gql(CHANGE_EMAIL, {"e": "ada@example.com"}, token=login())["changeEmail"]["success"]
    assert not mail.outbox
    assert not SecurityEvent.objects.filter(user=user, type="EMAIL_CHANGE_REQUESTED").exists()
