"""The staff mutations: disableUser, enableUser, clearLoginLocks. Each needs
users.change_user; without it the payload says PERMISSION_DENIED and nothing
changes; each is recorded with its actor."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth.models import Permission

from audit.models import SecurityEvent
from tests.documents import LOGIN, ME, STRONG_PASSWORD
from users.models import AuthToken, User

pytestmark = pytest.mark.django_db

DISABLE = "mutation($id: ID!) { disableUser(id: $id) { success errors { field code message } } }"
ENABLE = "mutation($id: ID!) { enableUser(id: $id) { success errors { field code message } } }"
CLEAR = "mutation($id: ID!) { clearLoginLocks(id: $id) { success errors { field code message } } }"


@pytest.fixture
def helpdesk(make_user, login):
    agent = make_user("helpdesk@example.com")
    agent.user_permissions.add(Permission.objects.get(codename="change_user", content_type__app_label="users"))
    return login("helpdesk@example.com")


def answer(gql, document, user, **kwargs) -> dict:
    return next(iter(gql(document, {"id": str(user.pk)}, **kwargs).values()))


@pytest.mark.parametrize("document", [DISABLE, ENABLE, CLEAR])
def test_without_the_permission_nothing_changes(gql, ada, make_user, login, document):
    ada_token = login()
    make_user("bob@example.com", is_staff=True)  # staff, but without users.change_user
    for token, code in (
        (None, "NOT_AUTHENTICATED"),
        (login("bob@example.com"), "PERMISSION_DENIED"),
        (ada_token, "PERMISSION_DENIED"),
    ):
        result = answer(gql, document, ada, **({"token": token} if token else {}))
        assert (result["success"], result["errors"][0]["code"]) == (False, code)
    ada.refresh_from_db()
    assert ada.is_active and gql(ME, token=ada_token)["me"]["email"] == "ada@example.com"
    assert not SecurityEvent.objects.exclude(type="LOGIN").exists()


def test_disable_ends_the_sessions_at_once_and_logins_answer_account_disabled(gql, ada, login, helpdesk):
    ada_token = login()
    assert answer(gql, DISABLE, ada, token=helpdesk)["success"]
    assert gql(ME, token=ada_token)["me"] is None
    assert not AuthToken.objects.filter(user=ada).exists()
    refused = gql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD})["login"]
    assert refused["errors"][0]["code"] == "ACCOUNT_DISABLED"
    assert answer(gql, ENABLE, ada, token=helpdesk)["success"]
    assert gql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD})["login"]["token"]
    actor = User.objects.get(email="helpdesk@example.com")
    staff_events = SecurityEvent.objects.filter(user=ada, actor=actor).order_by("id")
    assert [e.type for e in staff_events] == ["ACCOUNT_DISABLED", "ACCOUNT_ENABLED"]


def test_clear_login_locks_lifts_the_lock_from_every_network(gql, ada, helpdesk):
    with time_machine.travel("2026-03-02 09:00:00Z", tick=True):
        for _ in range(10):
            gql(LOGIN, {"email": "ada@example.com", "password": "wrong guess"}, REMOTE_ADDR="198.51.100.1")
        locked = gql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD}, REMOTE_ADDR="198.51.100.1")
        assert locked["login"]["errors"][0]["code"] == "RATE_LIMITED"
        assert answer(gql, CLEAR, ada, token=helpdesk)["success"]
        after = gql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD}, REMOTE_ADDR="198.51.100.1")
        assert after["login"]["token"]
    assert SecurityEvent.objects.filter(user=ada, type="LOGIN_LOCKS_CLEARED", actor__isnull=False).count() == 1


def test_unknown_ids_and_oneself(gql, helpdesk):
    for bad in ("0", "x", "99999999999999999999", str(2**63)):
        result = gql(DISABLE, {"id": bad}, token=helpdesk)["disableUser"]
        assert result["errors"][0]["code"] == "NOT_FOUND"
    me = User.objects.get(email="helpdesk@example.com")
    result = gql(DISABLE, {"id": str(me.pk)}, token=helpdesk)["disableUser"]
    assert result["errors"][0]["code"] == "INVALID_INPUT"
    assert User.objects.get(pk=me.pk).is_active


def test_is_active_is_readable(gql, ada, login):
    assert gql("{ me { isActive } }", token=login())["me"]["isActive"] is True


def test_the_help_desk_does_not_act_on_a_superuser(gql, make_user, helpdesk):
    root = make_user("root@example.com", is_staff=True, is_superuser=True)
    for document in (DISABLE, ENABLE, CLEAR):
        assert answer(gql, document, root, token=helpdesk)["errors"][0]["code"] == "PERMISSION_DENIED"
    root.refresh_from_db()
    assert root.is_active


def test_a_cleared_lock_does_not_come_back(gql, ada, helpdesk, settings):
    from datetime import timedelta

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_failed": "100/h/ip,10/3h/key"}
    with time_machine.travel("2026-03-02 09:00:00Z", tick=True) as clock:
        for _ in range(10):
            gql(LOGIN, {"email": "ada@example.com", "password": "wrong guess"}, REMOTE_ADDR="198.51.100.1")
        assert answer(gql, CLEAR, ada, token=helpdesk)["success"]
        clock.shift(timedelta(hours=2, minutes=30))
        after = gql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD}, REMOTE_ADDR="198.51.100.1")
    assert after["login"]["token"]


HISTORY = "{ me { securityEvents { type ipAddress userAgent actor { id } actorRole } } }"
AUDIT = "{ auditEvents(type: ACCOUNT_DISABLED) { ipAddress userAgent actor { id } actorRole } }"


def test_the_owner_reads_that_staff_acted_not_who_nor_from_where(gql, ada, make_user, login):
    agent = make_user("helpdesk@example.com")
    agent.user_permissions.add(Permission.objects.get(codename="change_user", content_type__app_label="users"))
    desk = login("helpdesk@example.com", REMOTE_ADDR="10.9.8.7", HTTP_USER_AGENT="Helpdesk/1.0")
    gql(DISABLE, {"id": str(ada.pk)}, token=desk, REMOTE_ADDR="10.9.8.7", HTTP_USER_AGENT="Helpdesk/1.0")
    gql(ENABLE, {"id": str(ada.pk)}, token=desk, REMOTE_ADDR="10.9.8.7", HTTP_USER_AGENT="Helpdesk/1.0")
    ada_token = login(REMOTE_ADDR="192.0.2.1", HTTP_USER_AGENT="Phone/1.0")

    events = gql(HISTORY, token=ada_token)["me"]["securityEvents"]
    staff_acts = [event for event in events if event["type"] in ("ACCOUNT_DISABLED", "ACCOUNT_ENABLED")]
    assert staff_acts == [
        {"type": kind, "ipAddress": None, "userAgent": None, "actor": None, "actorRole": "staff"}
        for kind in ("ACCOUNT_ENABLED", "ACCOUNT_DISABLED")
    ]
    (own_login,) = [event for event in events if event["type"] == "LOGIN"]
    assert (own_login["ipAddress"], own_login["actorRole"]) == ("192.0.2.1", None)

    auditor = make_user("auditor@example.com")
    auditor.user_permissions.add(Permission.objects.get(codename="view_securityevent"))
    (seen,) = gql(AUDIT, token=login("auditor@example.com"))["auditEvents"]
    assert seen == {
        "ipAddress": "10.9.8.7",
        "userAgent": "Helpdesk/1.0",
        "actor": {"id": str(agent.pk)},
        "actorRole": "staff",
    }
