"""Security events: each type recorded from its one place, with time, address
and browser; me.securityEvents and auditEvents; the JSON line; retention."""

from __future__ import annotations

import json
import logging
from io import StringIO

import pytest
import time_machine
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import SecurityEvent
from tests.documents import (
    CHANGE,
    LOGIN,
    LOGIN_MFA,
    LOGOUT,
    REAUTHENTICATE,
    REQUEST_RESET,
    RESET,
    REVOKE,
    STRONG_PASSWORD,
    VERIFY_MFA,
)
from tests.support import key_from, sign_in_to_admin, totp
from users.events import EventType
from users.models import AuthToken, User

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
EVENTS = (
    "query($first: Int) { me { securityEvents(first: $first) { type ipAddress userAgent createdAt actor { id } } } }"
)
AUDIT = """query($first: Int, $offset: Int, $userId: ID, $type: SecurityEventType) {
  auditEvents(first: $first, offset: $offset, userId: $userId, type: $type) { id type user { id emailVerified } actor { id } }
}"""


def types(user=None) -> list[str]:
    rows = SecurityEvent.objects.filter(user=user) if user is not None else SecurityEvent.objects.all()
    return [event.type for event in rows.order_by("created_at", "id")]


def test_the_account_flows_record_their_events_with_address_and_browser(gql, make_user, login, clock):
    user = make_user()
    headers = {"HTTP_USER_AGENT": BROWSER, "REMOTE_ADDR": "203.0.113.7"}
    token = login(**headers)
    other = login()
    gql(REVOKE, {"id": str(AuthToken.objects.get(user=user, user_agent="").pk)}, token=token, **headers)
    gql(LOGIN, {"email": "ada@example.com", "password": "not the password at all"}, **headers)
    gql(CHANGE, {"old": STRONG_PASSWORD, "new": "a brand new passphrase"}, token=token, **headers)
    gql(REAUTHENTICATE, {"password": "a brand new passphrase"}, token=token, **headers)
    gql(LOGOUT, token=token, **headers)
    gql(REQUEST_RESET, {"email": "ada@example.com"}, **headers)
    gql(RESET, {"key": key_from(mail.outbox[-1], "reset-password"), "password": "yet another passphrase"})
    assert other  # a second session, revoked above
    assert types(user) == [
        "LOGIN",
        "LOGIN",
        "SESSION_REVOKED",
        "LOGIN_FAILED",
        "PASSWORD_CHANGED",
        "REAUTHENTICATED",
        "LOGOUT",
        "PASSWORD_RESET_REQUESTED",
        "PASSWORD_RESET",
    ]
    first = SecurityEvent.objects.filter(user=user).order_by("id").first()
    assert (first.ip_address, first.user_agent) == ("203.0.113.7", BROWSER)


def test_second_factor_events(gql, make_user, login, clock):
    user = make_user()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).generate_codes()
    start = gql(LOGIN_MFA, {"email": "ada@example.com", "password": STRONG_PASSWORD})["login"]
    gql(VERIFY_MFA, {"mfaToken": start["mfaToken"], "code": "000000" if totp(secret) != "000000" else "111111"})
    gql(VERIFY_MFA, {"mfaToken": start["mfaToken"], "code": codes[0]})
    assert types(user) == ["MFA_FAILED", "RECOVERY_CODE_USED", "LOGIN"]


def test_a_flood_of_failures_is_a_few_rows_and_one_lock(gql, make_user, settings, clock):
    user = make_user()
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "1000/m/ip", "login_failed": "1000/h/ip,1000/15m/key"}
    for n in range(120):
        gql(LOGIN, {"email": "ada@example.com", "password": "wrong guess"}, REMOTE_ADDR=f"198.51.100.{n % 250}")
    recorded = types(user)
    assert recorded.count("LOGIN_FAILED") == 10
    assert recorded.count("LOGIN_LOCKED") == 1
    assert len(recorded) == 11


def test_me_lists_the_owners_events_newest_first(gql, make_user, login, clock):
    make_user()
    token = login()
    gql(LOGOUT, token=login())
    events = gql(EVENTS, {"first": 5}, token=token)["me"]["securityEvents"]
    assert [e["type"] for e in events] == ["LOGOUT", "LOGIN", "LOGIN"]
    assert gql(EVENTS, {"first": 1}, token=token)["me"]["securityEvents"][0]["type"] == "LOGOUT"


def test_nobody_reads_another_accounts_events(gql, make_user, login):
    make_user("ada@example.com")
    make_user("root@example.com", is_staff=True, is_superuser=True)
    token = login("root@example.com")
    response = gql.post("{ users { email securityEvents { type } } }", token=token).json()
    assert all(row["securityEvents"] is None for row in response["data"]["users"] if row["email"] != "root@example.com")
    assert {e["extensions"]["code"] for e in response["errors"]} == {"PERMISSION_DENIED"}


def test_audit_events_need_the_permission(gql, make_user, login):
    make_user()
    response = gql.post(AUDIT, token=login()).json()
    assert response["data"] is None or response["data"]["auditEvents"] is None
    assert response["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_auditors_filter_by_account_and_type(gql, make_user, login, clock):
    ada = make_user()
    auditor = make_user("auditor@example.com")
    auditor.user_permissions.add(Permission.objects.get(codename="view_securityevent"))
    login()
    gql(LOGIN, {"email": "ada@example.com", "password": "wrong guess"})
    token = login("auditor@example.com")
    mine = gql(AUDIT, {"userId": str(ada.pk)}, token=token)["auditEvents"]
    assert [e["type"] for e in mine] == ["LOGIN_FAILED", "LOGIN"]
    failures = gql(AUDIT, {"type": "LOGIN_FAILED"}, token=token)["auditEvents"]
    assert [e["user"]["id"] for e in failures] == [str(ada.pk)]
    page = gql(AUDIT, {"first": 1, "offset": 1}, token=token)["auditEvents"]
    assert [e["type"] for e in page] == ["LOGIN_FAILED"]
    for nobody in ("nope", "0", "99999999999999999999"):  # ids no account can have match nothing
        assert gql(AUDIT, {"userId": nobody}, token=token)["auditEvents"] == []


def test_listing_events_costs_the_same_queries_for_any_number(gql, make_user, login, clock):
    auditor = make_user("auditor@example.com")
    auditor.user_permissions.add(Permission.objects.get(codename="view_securityevent"))
    token = login("auditor@example.com")

    def count(query: str, variables: dict) -> int:
        with CaptureQueriesContext(connection) as captured:
            gql(query, variables, token=token)
        return len(captured)

    few = (count(AUDIT, {"first": 50}), count(EVENTS, {"first": 50}))
    for _ in range(12):
        login("auditor@example.com")
    assert (count(AUDIT, {"first": 50}), count(EVENTS, {"first": 50})) == few
    assert few[1] <= 2  # the token, then the events with their users and actors


def test_each_event_is_one_json_line_and_never_a_secret(gql, make_user, login, caplog, clock):
    make_user()
    with caplog.at_level(logging.INFO, logger="gql_auth.audit"):
        token = login()
        gql(LOGIN, {"email": "ada@example.com", "password": "a guessed password"})
        gql(CHANGE, {"old": STRONG_PASSWORD, "new": "a brand new passphrase"}, token=token)
    lines = [r.getMessage() for r in caplog.records if r.name == "gql_auth.audit"]
    assert [json.loads(line)["event"] for line in lines] == ["LOGIN", "LOGIN_FAILED", "PASSWORD_CHANGED"]
    assert all("\n" not in line for line in lines)
    text = "\n".join(lines)
    for secret in (
        token,
        token[4:],
        STRONG_PASSWORD,
        "a guessed password",
        "a brand new passphrase",
        "ada@example.com",
    ):
        assert secret not in text
    assert set(json.loads(lines[0])) == {"event", "id", "at", "user_id", "actor_id", "ip", "user_agent"}


def test_events_older_than_the_retention_are_purged(make_user, settings):
    user = make_user()
    settings.AUDIT_RETENTION_DAYS = 30
    from audit.log import record

    with time_machine.travel("2026-01-01 12:00:00Z"):
        record(EventType.LOGIN, user=user)
    with time_machine.travel("2026-01-31 11:00:00Z"):
        record(EventType.LOGOUT, user=user)
    with time_machine.travel("2026-01-31 13:00:00Z"):
        out = StringIO()
        call_command("purge_security_events", stdout=out)
    assert types(user) == ["LOGOUT"]
    assert "Removed 1 security events older than 30 days." in out.getvalue()


@pytest.mark.django_db(transaction=True)  # foreign keys are checked at commit, as in a request
def test_an_event_about_an_account_deleted_meanwhile_is_kept_without_it(make_user):
    """deleteAccount racing another request: that request's event must not fail it."""
    from audit.log import record

    user = make_user()
    stale = type(user).objects.get(pk=user.pk)
    user.delete()
    event = record(EventType.LOGIN, user=stale)
    assert (event.user_id, event.ip_address) == (None, None)
    assert SecurityEvent.objects.get().type == "LOGIN"


# What a review found the security history let through.


@pytest.mark.parametrize(
    "nested",
    [
        "{ me { securityEvents { user { securityEvents { type } } } } }",
        "{ me { a: securityEvents { user { b: securityEvents { type } } } } }",  # aliases name nothing
    ],
)
def test_a_list_of_events_is_never_nested_in_an_event(gql, make_user, login, clock, nested):
    make_user()
    token = login()
    with CaptureQueriesContext(connection) as captured:
        response = gql.post(nested, token=token).json()
    assert response["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert len(captured) <= 3


def test_a_lock_from_one_network_is_recorded_once(gql, make_user, clock):
    user = make_user()
    for _ in range(15):
        gql(LOGIN, {"email": "ada@example.com", "password": "wrong guess"}, REMOTE_ADDR="198.51.100.1")
    assert types(user).count("LOGIN_FAILED") == 10
    assert types(user).count("LOGIN_LOCKED") == 1


def test_a_line_is_logged_only_for_an_event_that_stays(make_user, caplog, django_capture_on_commit_callbacks):
    from django.db import transaction

    from audit.log import record

    user = make_user()
    with caplog.at_level(logging.INFO, logger="gql_auth.audit"), django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                record(EventType.LOGIN, user=user)
                raise RuntimeError("the flow fails after the event")
        except RuntimeError:
            pass
        record(EventType.LOGOUT, user=user)
    assert [json.loads(r.getMessage())["event"] for r in caplog.records if r.name == "gql_auth.audit"] == ["LOGOUT"]


def test_removing_the_last_factor_is_two_events_not_three(gql, make_user, login, clock):
    from tests.documents import REMOVE_FACTOR

    user = make_user()
    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)
    totp_id = user.authenticator_set.get(type="totp").pk
    _, token = AuthToken.objects.issue(user, with_factor=True)  # as verifyMfa issues it
    assert gql(REMOVE_FACTOR, {"id": str(totp_id)}, token=token)["removeAuthenticator"]["success"]
    assert types(user) == ["AUTHENTICATOR_REMOVED", "MFA_DISABLED"]


def test_an_account_deleted_in_the_admin_leaves_its_events_without_personal_data(client, make_user, login):
    """As deleteAccount does: the admin's delete (and a shell's) goes through the same rule."""
    make_user("ada@example.com")
    login("ada@example.com", HTTP_USER_AGENT="Phone/1.0")
    root = make_user("root@example.com", is_staff=True, is_superuser=True)
    sign_in_to_admin(client, root)
    ada = User.objects.get(email="ada@example.com")
    client.post("/admin/users/user/", {"action": "delete_selected", "_selected_action": [ada.pk], "post": "yes"})
    assert not User.objects.filter(email="ada@example.com").exists()
    events = SecurityEvent.objects.filter(type="LOGIN").exclude(user=root)
    assert [(e.user_id, e.ip_address, e.user_agent) for e in events] == [(None, None, "")]


def test_an_event_whose_row_cannot_be_written_still_reaches_the_log_stream(make_user, caplog):
    """The database away (a LOGIN_FAILED recorded after the answer, say): the row
    is lost, the JSON line is not, and says so."""
    from django.db import OperationalError, connection, transaction

    from audit.log import record

    user = make_user()

    def database_away(execute, sql, params, many, context):
        raise OperationalError("could not connect to server: Connection refused")

    # A savepoint first, so the test's own transaction stays usable after the failure.
    with (
        caplog.at_level(logging.INFO, logger="gql_auth.audit"),
        pytest.raises(OperationalError),
        transaction.atomic(),
        connection.execute_wrapper(database_away),
    ):
        record(EventType.LOGIN_FAILED, user=user)
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "gql_auth.audit"]
    assert (line["event"], line["user_id"], line["id"], line["stored"]) == ("LOGIN_FAILED", user.pk, None, False)
    assert not SecurityEvent.objects.exists()


PAGE = """query($first: Int, $offset: Int, $after: ID, $userId: ID, $type: SecurityEventType) {
  auditEvents(first: $first, offset: $offset, after: $after, userId: $userId, type: $type) { id }
}"""


@pytest.fixture
def auditor_token(make_user, login) -> str:
    auditor = make_user("auditor@example.com")
    auditor.user_permissions.add(Permission.objects.get(codename="view_securityevent"))
    return login("auditor@example.com")


def many_events(user, count: int) -> None:
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now() - timedelta(days=1)
    kinds = ["LOGIN", "LOGIN_FAILED"]
    SecurityEvent.objects.bulk_create(
        # Two events at each instant: the keyset must tell them apart by id.
        SecurityEvent(type=kinds[n % 2], created_at=start + timedelta(seconds=n // 2), user=user)
        for n in range(count)
    )


def test_after_pages_on_exactly_as_offset_does_whatever_the_filter(gql, make_user, auditor_token):
    ada = make_user()
    many_events(ada, 45)
    for where in ({}, {"userId": str(ada.pk)}, {"type": "LOGIN"}, {"userId": str(ada.pk), "type": "LOGIN_FAILED"}):
        by_offset, by_after, after = [], [], None
        for page in range(4):
            by_offset += gql(PAGE, {"first": 10, "offset": 10 * page, **where}, token=auditor_token)["auditEvents"]
            step = gql(PAGE, {"first": 10, "after": after, **where}, token=auditor_token)["auditEvents"]
            by_after += step
            after = step[-1]["id"] if step else after
        assert by_after == by_offset and len({e["id"] for e in by_after}) == len(by_after), where


def test_a_deep_offset_is_refused_with_a_pointer_to_after(gql, auditor_token):
    refused = gql.post(PAGE, {"offset": 10_001}, token=auditor_token).json()
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert "after" in refused["errors"][0]["message"]
    assert gql(PAGE, {"offset": 10_000}, token=auditor_token)["auditEvents"] == []


@pytest.mark.parametrize("after", ["999999", "not an id", "-1"])
def test_after_names_an_event_or_is_refused(gql, auditor_token, after):
    refused = gql.post(PAGE, {"after": after}, token=auditor_token).json()
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
