"""Who may read what: the permission matrix of the contract, through the endpoint."""

import pytest
from django.contrib.auth.models import Permission

ACTORS = ["anonymous", "self", "other", "staff", "staff_with_view_user", "superuser"]
USER_FIELDS = "user(id: $id) { id emailVerified email lastLogin sessions { id } }"

# What each actor reads of Ada: a value, or the code of the error that nulls the field.
EXPECTED = {
    "anonymous": {"email": "NOT_AUTHENTICATED", "lastLogin": "NOT_AUTHENTICATED", "sessions": "NOT_AUTHENTICATED"},
    "self": {"email": "value", "lastLogin": "value", "sessions": "value"},
    "other": {"email": "PERMISSION_DENIED", "lastLogin": "PERMISSION_DENIED", "sessions": "PERMISSION_DENIED"},
    "staff": {"email": "PERMISSION_DENIED", "lastLogin": "PERMISSION_DENIED", "sessions": "PERMISSION_DENIED"},
    "staff_with_view_user": {"email": "value", "lastLogin": "value", "sessions": "PERMISSION_DENIED"},
    "superuser": {"email": "value", "lastLogin": "value", "sessions": "PERMISSION_DENIED"},
}


@pytest.fixture
def people(make_user, login):
    """Ada, and a token for each actor (None for anonymous)."""
    ada = make_user("ada@example.com")
    make_user("bob@example.com")
    make_user("staff@example.com", is_staff=True)
    viewer = make_user("viewer@example.com", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    make_user("root@example.com", is_staff=True, is_superuser=True)
    emails = {
        "self": "ada@example.com",
        "other": "bob@example.com",
        "staff": "staff@example.com",
        "staff_with_view_user": "viewer@example.com",
        "superuser": "root@example.com",
    }
    tokens = {actor: login(email) for actor, email in emails.items()}
    tokens["anonymous"] = None
    return ada, tokens


@pytest.mark.urls("tests.recipe.urls")
@pytest.mark.parametrize("actor", ACTORS)
def test_user_fields(gql, people, actor):
    ada, tokens = people
    response = gql.post(f"query($id: ID!) {{ {USER_FIELDS} }}", {"id": str(ada.pk)}, token=tokens[actor])
    body = response.json()
    user = body["data"]["user"]
    assert user["id"] == str(ada.pk) and user["emailVerified"] is True  # the rest of the answer stands
    denied = {error["path"][-1]: error["extensions"]["code"] for error in body.get("errors", [])}
    for field, expected in EXPECTED[actor].items():
        if expected == "value":
            assert user[field] is not None and field not in denied
        else:
            assert user[field] is None and denied[field] == expected
    if EXPECTED[actor]["email"] == "value":
        assert user["email"] == "ada@example.com"


@pytest.mark.parametrize(
    "actor, expected",
    [
        ("anonymous", "NOT_AUTHENTICATED"),
        ("self", "PERMISSION_DENIED"),
        ("other", "PERMISSION_DENIED"),
        ("staff", "PERMISSION_DENIED"),
        ("staff_with_view_user", None),
        ("superuser", None),
    ],
)
def test_users_needs_view_user(gql, people, actor, expected):
    response = gql.post("{ users { email } }", token=people[1][actor])
    body = response.json()
    if expected is None:
        assert "errors" not in body
        assert len(body["data"]["users"]) == 5
    else:
        assert body["data"] is None  # users is non-null: the denial nulls the answer
        assert [e["extensions"]["code"] for e in body["errors"]] == [expected]


def test_staff_see_others_but_never_their_sessions(gql, people):
    body = gql.post("{ users { email sessions { id } } }", token=people[1]["staff_with_view_user"]).json()
    rows = body["data"]["users"]
    assert [row["email"] for row in rows][:2] == ["ada@example.com", "bob@example.com"]
    own = [row for row in rows if row["email"] == "viewer@example.com"]
    assert own[0]["sessions"] is not None
    denied = [e for e in body["errors"] if e["path"][-1] == "sessions"]
    assert len(denied) == 4 and {e["extensions"]["code"] for e in denied} == {"PERMISSION_DENIED"}


@pytest.mark.usefixtures("django_user_model")
def test_users_pages_and_searches(gql, make_user, login):
    root = make_user("root@example.com", is_staff=True, is_superuser=True)
    for n in range(120):
        make_user(f"user{n:03}@example.com")
    token = login("root@example.com")
    query = "query($first: Int, $offset: Int, $search: String) { users(first: $first, offset: $offset, search: $search) { email } }"
    page = lambda **v: [u["email"] for u in gql(query, v, token=token)["users"]]  # noqa: E731
    assert len(page()) == 50
    assert page(first=None, offset=None) == page()  # null means the default, as the contract's `Int = 50`
    assert len(page(first=500)) == 100  # capped
    assert page(first=2, offset=1) == ["user000@example.com", "user001@example.com"]
    assert page(search="USER11", first=100) == [f"user11{n}@example.com" for n in range(10)]
    assert page(search="nobody") == []
    assert root.email in page(first=1)
    for bad in ({"first": -1}, {"offset": -5}):
        body = gql.post(query, bad, token=token).json()
        assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


def test_users_costs_a_constant_number_of_queries(gql, make_user, login, django_assert_max_num_queries):
    make_user("root@example.com", is_staff=True, is_superuser=True)
    token = login("root@example.com")
    query = "query($first: Int) { users(first: $first) { id email emailVerified lastLogin sessions { id } } }"
    for n in range(60):
        make_user(f"user{n:02}@example.com")
    gql.post(query, {"first": 5}, token=token)  # warm up "last used"
    with django_assert_max_num_queries(4) as small:
        gql.post(query, {"first": 5}, token=token)
    with django_assert_max_num_queries(4) as large:
        body = gql.post(query, {"first": 50}, token=token).json()
    assert len(body["data"]["users"]) == 50  # others' sessions are denied, not fetched per row
    assert len(small.captured_queries) == len(large.captured_queries)


def test_me_with_sessions_costs_three_queries(gql, make_user, login, django_assert_max_num_queries):
    make_user()
    token = login()
    login()
    gql("{ me { id } }", token=token)
    with django_assert_max_num_queries(3):
        me = gql("{ me { email emailVerified sessions { id current } } }", token=token)["me"]
    assert len(me["sessions"]) == 2


@pytest.mark.usefixtures("gql", "login", "settings")
def test_verified_email_permission_class(make_user):
    """HasVerifiedEmail, used by the recipe's own fields when an app needs it."""
    from schema.permissions import HasVerifiedEmail

    unverified = make_user("new@example.com", verified=False)
    assert HasVerifiedEmail().allows(unverified, None) is False
    assert HasVerifiedEmail().allows(make_user("ok@example.com"), None) is True


def test_an_allows_that_would_never_be_asked_is_refused_where_it_is_written():
    from schema.permissions import HasPerm, IsAuthenticated, IsOwner

    for base in (HasPerm, IsAuthenticated):
        with pytest.raises(TypeError, match="never asked"):
            type("Narrower", (base,), {"allows": lambda self, user, source: False})
    type("Narrower", (IsOwner,), {"allows": lambda self, user, source: False})  # asked: fine
