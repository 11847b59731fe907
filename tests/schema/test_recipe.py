"""The recipe of docs/applications.md, "Permissions": another app's per-user type, guarded by the same classes."""

import pytest
from django.contrib.auth.models import Permission

pytestmark = pytest.mark.urls("tests.recipe.urls")

QUERY = "{ emailAddresses { id email verified } }"


@pytest.fixture
def addresses(make_user):
    make_user("ada@example.com")
    make_user("bob@example.com", verified=False)


def fields_denied(body):
    return sorted((e["path"][-1], e["extensions"]["code"]) for e in body.get("errors", []))


@pytest.mark.usefixtures("addresses")
def test_owner_sees_its_row_others_see_that_rows_exist(gql, login):
    body = gql.post(QUERY, token=login("ada@example.com")).json()
    ada, bob = body["data"]["emailAddresses"]
    assert ada["email"] == "ada@example.com" and ada["verified"] is True
    assert bob["email"] is None and bob["verified"] is None
    assert fields_denied(body) == [("email", "PERMISSION_DENIED"), ("verified", "PERMISSION_DENIED")]


@pytest.mark.usefixtures("addresses")
def test_staff_with_the_permission_see_addresses_but_not_verification(gql, make_user, login):
    staff = make_user("staff@example.com", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_emailaddress"))
    body = gql.post(QUERY, token=login("staff@example.com")).json()
    rows = body["data"]["emailAddresses"]
    assert [row["email"] for row in rows] == ["ada@example.com", "bob@example.com", "staff@example.com"]
    assert [row["verified"] for row in rows] == [None, None, True]
    assert gql("{ emailAddressCount }", token=login("staff@example.com"))["emailAddressCount"] == 3


@pytest.mark.usefixtures("addresses")
def test_anonymous_is_refused_the_list(gql):
    body = gql.post(QUERY).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
