"""A Django admin sign-in is a session like the others (users/admin_sessions.py):
listed to its owner, ended by logoutAll, revokeSession, a new password and a
deactivation, and over after ADMIN_SESSION_SECONDS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings

from audit.models import SecurityEvent
from tests.documents import LOGOUT_ALL, REVOKE, STRONG_PASSWORD
from users.models import AuthToken, User

SESSIONS = "{ me { sessions { id current userAgent } } }"


@pytest.fixture
def root(make_user) -> User:
    return make_user("root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def admin(client, root):
    """A browser signed in to the admin through its login form."""
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "root@example.com", "password": STRONG_PASSWORD},
        HTTP_USER_AGENT="AdminBrowser/1.0",
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    return client


def signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_an_admin_sign_in_is_a_session_its_owner_sees(admin, root, gql, login):
    (session,) = AuthToken.objects.filter(user=root)
    assert session.expires_at - session.created_at == timedelta(seconds=settings.ADMIN_SESSION_SECONDS)
    sessions = gql(SESSIONS, token=login("root@example.com"))["me"]["sessions"]
    assert {(s["userAgent"], s["current"]) for s in sessions} >= {("AdminBrowser/1.0", False)}
    assert signed_in(admin)


def test_logout_all_ends_the_admin_sign_in(admin, gql, login):
    assert gql(LOGOUT_ALL, token=login("root@example.com"))["logoutAll"]["success"]
    page = admin.get("/admin/")
    assert page.status_code == 302 and page["Location"].startswith("/admin/login/")
    assert "_auth_user_id" not in admin.session  # Django's session is signed out too
    assert SecurityEvent.objects.filter(type="LOGOUT").count() == 1  # logoutAll's; none for the admin page


def test_revoking_the_admin_session_ends_it(admin, root, gql, login):
    token = login("root@example.com")
    (admin_session,) = AuthToken.objects.filter(user=root, user_agent="AdminBrowser/1.0")
    assert gql(REVOKE, {"id": str(admin_session.pk)}, token=token)["revokeSession"]["success"]
    assert not signed_in(admin)


@pytest.mark.parametrize("change", ["a new password", "a deactivation"])
def test_a_new_password_or_a_deactivation_ends_it(admin, root, change):
    if change == "a new password":
        root.set_password("another long passphrase")
    else:
        root.is_active = False
    root.save()
    assert not signed_in(admin)


def test_it_is_over_after_admin_session_seconds(admin):
    import time_machine

    with time_machine.travel(timedelta(seconds=settings.ADMIN_SESSION_SECONDS + 1)):
        assert not signed_in(admin)


def test_the_admins_own_password_change_keeps_this_sign_in_and_ends_the_others(admin, root, login, gql):
    api_token = login("root@example.com")
    new = "a new long admin passphrase"
    response = admin.post(
        "/admin/password_change/", {"old_password": STRONG_PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert signed_in(admin)
    assert gql(SESSIONS, token=api_token)["me"] is None


def test_signing_out_of_the_admin_ends_its_session(admin, root):
    assert AuthToken.objects.filter(user=root).exists()
    admin.post("/admin/logout/")
    assert not AuthToken.objects.filter(user=root).exists()


def test_a_django_session_without_one_of_the_services_is_no_admin_sign_in(client, root):
    client.force_login(root)  # Django's session alone, as before this rule
    assert not signed_in(client)


def test_using_the_admin_is_its_sessions_last_use(admin, root):
    import time_machine

    later = timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        assert signed_in(admin)
        (session,) = AuthToken.objects.filter(user=root)
        assert session.last_used_at - session.created_at >= later
