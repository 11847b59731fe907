"""The operator's admin: find an account, see its sessions, revoke, disable,
enable, lift its locks; read the security events."""

import pytest

from audit.models import SecurityEvent
from tests.documents import ME
from tests.support import sign_in_to_admin
from users.models import AuthToken, User


@pytest.fixture
def operator(client, make_user):
    root = make_user("root@example.com", is_staff=True, is_superuser=True)
    sign_in_to_admin(client, root)
    return client


@pytest.fixture
def ada_token(make_user, login):
    make_user("ada@example.com")
    return login("ada@example.com", HTTP_USER_AGENT="Phone/1.0")


@pytest.mark.usefixtures("ada_token")
def test_find_an_account_by_email(operator, make_user):
    make_user("bob@example.com")
    page = operator.get("/admin/users/user/", {"q": "ADA"}).content.decode()
    assert "ada@example.com" in page and "bob@example.com" not in page


def test_account_page_shows_its_sessions_and_no_secret(operator, ada_token):
    ada = User.objects.get(email="ada@example.com")
    page = operator.get(f"/admin/users/user/{ada.pk}/change/").content.decode()
    assert "Phone/1.0" in page
    assert AuthToken.objects.get(user=ada).digest not in page and ada_token not in page


def test_revoke_sessions_from_the_admin(operator, ada_token, gql):
    session = AuthToken.objects.get(user__email="ada@example.com")
    response = operator.post("/admin/users/authtoken/", {"action": "revoke", "_selected_action": [session.pk]})
    assert response.status_code == 302
    assert gql(ME, token=ada_token)["me"] is None


@pytest.mark.parametrize("way", ["revoke action", "delete selected action", "delete page"])
def test_every_way_the_admin_deletes_a_session_is_recorded_with_its_actor(operator, ada_token, way):
    session = AuthToken.objects.get(user__email="ada@example.com")
    if way == "delete page":
        operator.post(f"/admin/users/authtoken/{session.pk}/delete/", {"post": "yes"})
    else:
        action = "revoke" if way == "revoke action" else "delete_selected"
        operator.post("/admin/users/authtoken/", {"action": action, "_selected_action": [session.pk], "post": "yes"})
    assert not AuthToken.objects.filter(user__email="ada@example.com").exists()
    (event,) = SecurityEvent.objects.filter(type="SESSION_REVOKED")
    assert (event.user.email, event.actor.email) == ("ada@example.com", "root@example.com")


def test_disable_action_ends_sessions_at_once_and_is_recorded_with_its_actor(operator, ada_token, gql):
    ada = User.objects.get(email="ada@example.com")
    operator.post("/admin/users/user/", {"action": "disable", "_selected_action": [ada.pk]})
    ada.refresh_from_db()
    assert not ada.is_active
    assert not AuthToken.objects.filter(user=ada).exists()
    assert gql(ME, token=ada_token)["me"] is None
    operator.post("/admin/users/user/", {"action": "enable", "_selected_action": [ada.pk]})
    operator.post("/admin/users/user/", {"action": "clear_login_locks", "_selected_action": [ada.pk]})
    ada.refresh_from_db()
    assert ada.is_active
    events = SecurityEvent.objects.filter(user=ada).exclude(type="LOGIN").order_by("id")
    assert [(e.type, e.actor.email) for e in events] == [
        ("ACCOUNT_DISABLED", "root@example.com"),
        ("ACCOUNT_ENABLED", "root@example.com"),
        ("LOGIN_LOCKS_CLEARED", "root@example.com"),
    ]


def test_security_events_are_listed_filtered_and_searched_but_never_edited(operator, ada_token, make_user):
    make_user("bob@example.com")
    page = operator.get("/admin/users/securityevent/", {"type__exact": "LOGIN", "q": "ada@"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    event = SecurityEvent.objects.get(user__email="ada@example.com")
    assert operator.post(f"/admin/users/securityevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert operator.get("/admin/users/securityevent/add/").status_code == 403


@pytest.mark.usefixtures("ada_token")
def test_staff_without_rights_cannot_revoke(client, make_user):
    staff = make_user("staff@example.com", is_staff=True)
    sign_in_to_admin(client, staff)
    assert client.get("/admin/users/authtoken/").status_code == 403
    assert AuthToken.objects.filter(user__email="ada@example.com").count() == 1


def test_staff_changes_in_the_admin_are_recorded_with_their_actor(operator, ada_token):
    ada = User.objects.get(email="ada@example.com")
    session = AuthToken.objects.get(user=ada)
    operator.post(
        f"/admin/users/user/{ada.pk}/password/",
        {"password1": "a new passphrase for ada", "password2": "a new passphrase for ada", "usable_password": "true"},
    )
    _, again = AuthToken.objects.issue(ada)
    operator.post(
        "/admin/users/authtoken/", {"action": "revoke", "_selected_action": [AuthToken.objects.get(user=ada).pk]}
    )
    events = SecurityEvent.objects.filter(user=ada, actor__email="root@example.com").order_by("id")
    assert [e.type for e in events] == ["PASSWORD_CHANGED", "SESSION_REVOKED"]
    assert session.pk is not None and again


def test_is_active_changes_through_the_actions_not_the_form(operator, ada_token):
    ada = User.objects.get(email="ada@example.com")
    page = operator.get(f"/admin/users/user/{ada.pk}/change/").content.decode()
    assert 'name="is_active"' not in page


def test_an_auditor_without_view_user_sees_ids_not_addresses(client, make_user, ada_token):
    from django.contrib.auth.models import Permission

    auditor = make_user("auditor@example.com", is_staff=True)
    auditor.user_permissions.add(Permission.objects.get(codename="view_securityevent"))
    sign_in_to_admin(client, auditor)
    page = client.get("/admin/users/securityevent/").content.decode()
    assert "ada@example.com" not in page
    assert client.get("/admin/users/securityevent/", {"q": "ada@"}).context["cl"].result_count == 0
