"""deleteAccount: immediate and whole, after a recent login; a last notice; the
events kept without the account; the address free to register again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Token
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail

from audit.models import SecurityEvent
from tests.documents import LOGIN, ME, REAUTHENTICATE, REGISTER, STRONG_PASSWORD
from users.authentication import session_cookie_name
from users.models import AuthToken, User

pytestmark = pytest.mark.django_db

DELETE = "mutation { deleteAccount { success errors { field code message } } }"


def test_the_account_and_all_it_holds_go_at_once(gql, make_user, login, clock):
    user = make_user()
    RecoveryCodes.activate(user)
    Token.objects.create(type=Token.Type.REFRESH_TOKEN, hash="h", user=user)
    other_session = login()
    token = login(HTTP_USER_AGENT="Phone/1.0", REMOTE_ADDR="203.0.113.9")
    mail.outbox.clear()
    assert gql(DELETE, token=token)["deleteAccount"] == {"success": True, "errors": []}
    assert not User.objects.filter(pk=user.pk).exists()
    for model in (AuthToken, Authenticator, EmailAddress, Token):
        assert not model.objects.exists(), model
    assert gql(ME, token=other_session)["me"] is None
    (notice,) = mail.outbox
    assert notice.to == ["ada@example.com"] and "was deleted" in notice.subject


def test_its_events_stay_without_the_account_or_where_it_was(gql, make_user, login, clock):
    make_user()
    token = login(HTTP_USER_AGENT="Phone/1.0", REMOTE_ADDR="203.0.113.9")
    gql(DELETE, token=token)
    events = list(SecurityEvent.objects.order_by("id").values_list("type", "user_id", "ip_address", "user_agent"))
    assert events == [("LOGIN", None, None, ""), ("ACCOUNT_DELETED", None, None, "")]


def test_it_needs_a_recent_login(gql, make_user, login, clock):
    make_user()
    token = login()
    clock.shift(timedelta(seconds=301))
    refused = gql(DELETE, token=token)["deleteAccount"]
    assert refused["errors"][0]["code"] == "REAUTHENTICATION_REQUIRED"
    assert User.objects.exists() and not mail.outbox
    assert gql(REAUTHENTICATE, {"password": STRONG_PASSWORD}, token=token)["reauthenticate"]["success"]
    assert gql(DELETE, token=token)["deleteAccount"]["success"]


def test_anonymous_callers_delete_nothing(gql, make_user):
    make_user()
    assert gql(DELETE)["deleteAccount"]["errors"][0]["code"] == "NOT_AUTHENTICATED"
    assert User.objects.exists()


def test_the_address_can_register_again(gql, make_user, login, clock):
    make_user()
    gql(DELETE, token=login())
    clock.shift(timedelta(seconds=200))  # past the mail cooldown of the last notice's address
    mail.outbox.clear()
    assert gql(REGISTER, {"email": "ada@example.com", "password": STRONG_PASSWORD})["register"]["success"]
    assert "/verify-email/" in mail.outbox[0].body
    assert User.objects.get().email == "ada@example.com"
    refused = gql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD})["login"]
    assert refused["errors"][0]["code"] == "EMAIL_NOT_VERIFIED"  # a new account, not the old one


def test_a_cookie_session_is_cleared(gql, make_user, clock):
    make_user()
    gql(
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p, cookie: true) { success } }",
        {"e": "ada@example.com", "p": STRONG_PASSWORD},
    )
    response = gql.post(DELETE)
    assert response.json()["data"]["deleteAccount"]["success"]
    assert response.cookies[session_cookie_name()].value == ""


# What a review found deleteAccount let through.


def test_the_organisations_applications_stay_when_their_owner_goes(gql, make_user, login, clock):
    from allauth.idp.oidc.models import Client

    from provider import clients

    user = make_user()
    client, _ = clients.create(name="Orders", grants=["client_credentials"])
    Client.objects.filter(pk=client.pk).update(owner=user)
    other = make_user("bob@example.com")
    Token.objects.create(type=Token.Type.REFRESH_TOKEN, hash="bob", user=other, client=client)
    assert gql(DELETE, token=login())["deleteAccount"]["success"]
    assert Client.objects.get(pk=client.pk).owner is None
    assert Token.objects.filter(user=other).exists()


def test_a_staff_account_is_not_deleted_by_itself(gql, make_user, login, clock):
    make_user(is_staff=True)
    refused = gql(DELETE, token=login())["deleteAccount"]
    assert refused["errors"][0]["code"] == "PERMISSION_DENIED"
    assert User.objects.exists()


def test_nothing_of_where_it_acted_from_stays(gql, make_user, login, clock):
    from django.core.cache import cache

    from audit.log import record
    from users import credentials
    from users.events import EventType

    user = make_user()
    bob = make_user("bob@example.com")
    request = type("Request", (), {"headers": {"User-Agent": "Phone/1.0"}, "META": {"REMOTE_ADDR": "203.0.113.9"}})()
    record(EventType.ACCOUNT_DISABLED, user=bob, actor=user, request=request)
    credentials.clear_locks(user)
    gql(DELETE, token=login())
    event = SecurityEvent.objects.get(type="ACCOUNT_DISABLED")
    assert (event.actor_id, event.ip_address, event.user_agent) == (None, None, "")
    assert cache.get(credentials.generation_key("ada@example.com")) is None
