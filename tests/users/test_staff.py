"""No staff member acts with more privilege than its own (users/staff.py), in the
admin exactly as in the API: a help desk account holding `users.change_user`
changes no account above it, grants no permission, group, staff or superuser
status (its own included) and sets no password."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from tests.documents import STRONG_PASSWORD
from tests.support import sign_in_to_admin
from users.models import User

HELP_DESK_PERMISSIONS = ["view_user", "change_user", "delete_user", "view_group", "change_group"]


@pytest.fixture
def helpdesk(make_user) -> User:
    user = make_user("help@example.com", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=HELP_DESK_PERMISSIONS))
    return user


@pytest.fixture
def desk(client, helpdesk):
    sign_in_to_admin(client, helpdesk)
    return client


@pytest.fixture
def root(make_user) -> User:
    return make_user("root@example.com", is_staff=True, is_superuser=True)


def change_form(client, user: User, **changes) -> dict:
    """The admin's change form of `user` as the page fills it, with `changes`."""
    page = client.get(f"/admin/users/user/{user.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value is False:
            continue
        data[name] = (
            [getattr(item, "pk", item) for item in value]
            if hasattr(value, "__iter__") and not isinstance(value, str)
            else value
        )
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({f"{management.prefix}-{key}": value for key, value in management.initial.items()})
    data.update(changes)
    return data


def test_the_help_desk_cannot_grant_itself_anything_in_the_admin(desk, helpdesk):
    group = Group.objects.create(name="operators")
    everything = Permission.objects.get(codename="delete_securityevent")
    response = desk.post(
        f"/admin/users/user/{helpdesk.pk}/change/",
        change_form(desk, helpdesk, is_superuser="on", groups=[group.pk], user_permissions=[everything.pk]),
    )
    assert response.status_code == 302  # saved: what it may change, it changes
    helpdesk = User.objects.get(pk=helpdesk.pk)
    assert not helpdesk.is_superuser
    assert not helpdesk.groups.exists()
    assert not helpdesk.has_perm("audit.delete_securityevent")


def test_the_help_desk_cannot_make_another_account_staff(desk, make_user):
    ada = make_user()
    desk.post(f"/admin/users/user/{ada.pk}/change/", change_form(desk, ada, is_staff="on", is_superuser="on"))
    ada.refresh_from_db()
    assert (ada.is_staff, ada.is_superuser) == (False, False)


@pytest.mark.parametrize("whose", ["an account's", "a superuser's", "its own"])
def test_the_help_desk_sets_no_password(desk, helpdesk, root, make_user, whose):
    target = {"an account's": make_user, "a superuser's": lambda: root, "its own": lambda: helpdesk}[whose]()
    response = desk.post(
        f"/admin/users/user/{target.pk}/password/",
        {"password1": "a new passphrase here", "password2": "a new passphrase here", "usable_password": "true"},
    )
    assert response.status_code == 403
    assert User.objects.get(pk=target.pk).check_password(STRONG_PASSWORD)


def test_the_help_desk_does_not_change_or_delete_a_superuser(desk, root):
    form = desk.get(f"/admin/users/user/{root.pk}/change/")
    assert 'name="email"' not in form.content.decode()  # shown read-only
    assert desk.post(f"/admin/users/user/{root.pk}/change/", {"email": "mine@example.com"}).status_code == 403
    assert desk.post(f"/admin/users/user/{root.pk}/delete/", {"post": "yes"}).status_code == 403
    desk.post("/admin/users/user/", {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"})
    assert User.objects.get(pk=root.pk).email == "root@example.com"


def test_the_help_desk_does_not_act_on_an_operator_with_more_rights(desk, make_user, gql, login):
    operator = make_user("ops@example.com", is_staff=True)
    operator.user_permissions.add(*Permission.objects.all())
    desk.post("/admin/users/user/", {"action": "disable", "_selected_action": [operator.pk]})
    desk.post("/admin/users/user/", {"action": "delete_selected", "_selected_action": [operator.pk], "post": "yes"})
    operator = User.objects.get(pk=operator.pk)
    assert operator.is_active
    answer = gql(
        "mutation($id: ID!) { disableUser(id: $id) { success errors { code } } }",
        {"id": str(operator.pk)},
        token=login("help@example.com"),
    )["disableUser"]
    assert answer == {"success": False, "errors": [{"code": "PERMISSION_DENIED"}]}


def test_the_help_desk_grants_no_permission_through_a_group(desk, helpdesk):
    group = Group.objects.create(name="help desk")
    helpdesk.groups.add(group)
    everything = Permission.objects.get(codename="delete_securityevent")
    desk.post(f"/admin/auth/group/{group.pk}/change/", {"name": "help desk", "permissions": [everything.pk]})
    assert not group.permissions.exists()
    assert not User.objects.get(pk=helpdesk.pk).has_perm("audit.delete_securityevent")


def test_a_superuser_still_grants_and_sets_passwords(client, root, make_user):
    sign_in_to_admin(client, root)
    ada = make_user()
    client.post(f"/admin/users/user/{ada.pk}/change/", change_form(client, ada, is_staff="on"))
    assert User.objects.get(pk=ada.pk).is_staff
    response = client.post(
        f"/admin/users/user/{ada.pk}/password/",
        {"password1": "a new passphrase here", "password2": "a new passphrase here", "usable_password": "true"},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=ada.pk).check_password("a new passphrase here")
