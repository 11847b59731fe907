import importlib
from datetime import timedelta

import pytest
import time_machine

from tests.documents import LOGOUT_ALL, ME, REVOKE
from users.models import AuthToken

SESSIONS = "{ me { sessions { id createdAt lastUsedAt expiresAt userAgent ipAddress current } } }"


@pytest.mark.usefixtures("ada")
def test_sessions_list_live_tokens_without_secrets(gql, login):
    phone = login(HTTP_USER_AGENT="Phone/1.0", REMOTE_ADDR="203.0.113.5")
    laptop = login(HTTP_USER_AGENT="Laptop/2.0")
    response = gql.post(SESSIONS, token=laptop)
    sessions = response.json()["data"]["me"]["sessions"]
    assert [s["userAgent"] for s in sessions] == ["Laptop/2.0", "Phone/1.0"]
    assert [s["current"] for s in sessions] == [True, False]
    assert sessions[1]["ipAddress"] == "203.0.113.5"
    body = response.content.decode()
    for token in AuthToken.objects.all():
        assert token.digest not in body
    assert phone not in body and laptop not in body


@pytest.mark.usefixtures("ada")
def test_expired_sessions_are_not_listed(gql, login):
    with time_machine.travel("2026-01-01 00:00:00Z", tick=False) as clock:
        old = login()
        clock.shift(timedelta(days=10))
        new = login()
        clock.shift(timedelta(days=5))
        sessions = gql(SESSIONS, token=new)["me"]["sessions"]
    assert len(sessions) == 1 and sessions[0]["current"]
    assert gql(ME, token=old)["me"] is None


@pytest.mark.usefixtures("ada")
def test_revoke_one_of_my_sessions(gql, login):
    current, other = login(), login()
    sessions = gql(SESSIONS, token=current)["me"]["sessions"]
    (other_id,) = [s["id"] for s in sessions if not s["current"]]
    assert gql(REVOKE, {"id": other_id}, token=current)["revokeSession"] == {"success": True, "errors": []}
    assert gql(ME, token=other)["me"] is None
    assert gql(ME, token=current)["me"] is not None


@pytest.mark.usefixtures("ada")
def test_revoking_the_current_session_logs_out(gql, login):
    token = login()
    (session,) = gql(SESSIONS, token=token)["me"]["sessions"]
    assert gql(REVOKE, {"id": session["id"]}, token=token)["revokeSession"]["success"]
    assert gql(ME, token=token)["me"] is None


@pytest.mark.parametrize("session_id", ["someone else's", "999999", "not-a-number", "-1", "99999999999999999999999"])
@pytest.mark.usefixtures("ada")
def test_others_and_unknown_sessions_answer_not_found_alike(gql, make_user, login, session_id):
    make_user("bob@example.com")
    bobs = login("bob@example.com")
    mine = login()
    if session_id == "someone else's":
        session_id = str(AuthToken.objects.get(user__email="bob@example.com").pk)
    result = gql(REVOKE, {"id": session_id}, token=mine)["revokeSession"]
    assert result == {"success": False, "errors": [{"field": "id", "code": "NOT_FOUND", "message": "No such session."}]}
    assert gql(ME, token=bobs)["me"]["email"] == "bob@example.com"


@pytest.mark.usefixtures("ada")
def test_logout_all_revokes_every_token(gql, login, make_user):
    tokens = [login() for _ in range(3)]
    make_user("bob@example.com")
    bobs = login("bob@example.com")
    assert gql(LOGOUT_ALL, token=tokens[0])["logoutAll"] == {"success": True, "errors": []}
    assert all(gql(ME, token=token)["me"] is None for token in tokens)
    assert gql(ME, token=bobs)["me"] is not None


@pytest.mark.parametrize("mutation, variables", [(LOGOUT_ALL, None), (REVOKE, {"id": "1"})])
def test_anonymous_is_not_authenticated(gql, mutation, variables):
    result = next(iter(gql(mutation, variables).values()))
    assert result["success"] is False and result["errors"][0]["code"] == "NOT_AUTHENTICATED"


def test_deactivation_ends_every_session(gql, ada, login):
    token = login()
    ada.refresh_from_db()
    ada.is_active = False
    ada.save()
    assert not AuthToken.objects.exists()
    assert gql(ME, token=token)["me"] is None


def test_a_password_set_anywhere_ends_every_session(gql, ada, login):
    token = login()
    ada.refresh_from_db()
    ada.set_password("set from a shell or the admin")
    ada.save()
    assert gql(ME, token=token)["me"] is None


@pytest.mark.usefixtures("ada")
def test_a_hash_upgrade_is_not_a_password_change(gql, login, settings):
    token = login()
    # A stronger hasher: the next login rehashes the same password.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "tests.support.FastArgon2PasswordHasher",
    ]
    assert login()
    assert gql(ME, token=token)["me"] is not None


def test_a_password_written_around_save_ends_every_session(gql, ada, login):
    """Tokens are bound to the password they were issued under, so even a write that
    skips `User.save` (a QuerySet.update in a shell, raw SQL) ends them."""
    from django.contrib.auth.hashers import make_password

    from users.models import User

    token = login()
    User.objects.filter(pk=ada.pk).update(password=make_password("changed around save"))
    assert gql(ME, token=token)["me"] is None
    assert gql(SESSIONS, token=login(password="changed around save"))["me"]["sessions"]


@pytest.mark.usefixtures("ada")
def test_a_login_racing_a_password_change_gets_no_lasting_token(gql, monkeypatch):
    """The password is right when checked, then changes before the token is issued
    (a reset or change committing in between): no token may outlive the change."""
    from django.contrib.auth.hashers import make_password

    from tests.documents import LOGIN, STRONG_PASSWORD
    from users.models import User

    check = User.check_password

    def check_then_lose_the_race(self, raw):
        right = check(self, raw)
        User.objects.filter(pk=self.pk).update(password=make_password("reset meanwhile"))
        return right

    monkeypatch.setattr(User, "check_password", check_then_lose_the_race)
    result = gql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD})["login"]
    monkeypatch.undo()
    assert result["token"] is None or gql(ME, token=result["token"])["me"] is None
    assert result["token"] is None and result["errors"][0]["code"] == "INVALID_CREDENTIALS"


def test_a_login_racing_a_deactivation_gets_no_token(gql, ada, monkeypatch):
    from tests.documents import LOGIN, STRONG_PASSWORD
    from users.models import User

    check = User.check_password

    def check_then_lose_the_race(self, raw):
        right = check(self, raw)
        User.objects.filter(pk=self.pk).update(is_active=False)
        return right

    monkeypatch.setattr(User, "check_password", check_then_lose_the_race)
    result = gql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD})["login"]
    monkeypatch.undo()
    User.objects.filter(pk=ada.pk).update(is_active=True)  # reactivated later
    assert result["token"] is None
    assert not AuthToken.objects.exists()


def test_a_list_of_users_shows_only_live_sessions_whenever_it_is_asked(gql, make_user):
    # The optimizer prefetches sessions for lists: "live" must mean live at the
    # request, not when the schema was built (here, long before the clock below).
    importlib.import_module("schema.schema")
    staff = make_user("staff@example.com", is_staff=True, is_superuser=True)
    with time_machine.travel("2030-01-01 00:00:00Z", tick=False) as clock:
        _, old = AuthToken.objects.issue(staff)
        clock.shift(timedelta(days=10))
        _, new = AuthToken.objects.issue(staff)
        clock.shift(timedelta(days=5))
        (row,) = gql("{ users { email sessions { id } } }", token=new)["users"]
    assert len(row["sessions"]) == 1
