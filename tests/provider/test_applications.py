"""me.applications and revokeApplication: the grants a person gave the
organisation's applications, seen and taken back."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import SecurityEvent
from tests.documents import first_code
from tests.provider.conftest import authorize, code_from, exchange, introspect, token_request, tokens_given

pytestmark = pytest.mark.django_db

APPLICATIONS = "{ me { applications { id name scopes grantedAt lastUsedAt } } }"
REVOKE = "mutation($id: ID!) { revokeApplication(id: $id) { success errors { field code message } } }"


def granted(app, browser, **params) -> dict:
    return exchange(app, code_from(authorize(browser, app, **params))).json()


def test_the_owner_sees_the_applications_holding_its_grants(app, register, signed_in_browser, gql, login):
    other = register(name="Second app", grants=["authorization_code", "refresh_token"])
    granted(app, signed_in_browser)
    granted(other, signed_in_browser, scope="openid")
    listed = gql(APPLICATIONS, token=login())["me"]["applications"]
    assert [(a["name"], a["scopes"]) for a in listed] == [
        ("Second app", ["openid"]),
        ("Example app", ["email", "openid"]),
    ]
    assert all(a["grantedAt"] and a["lastUsedAt"] for a in listed)


def test_listing_costs_the_same_queries_for_any_number(app, register, signed_in_browser, gql, login):
    token = login()

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            gql(APPLICATIONS, token=token)
        return len(captured)

    granted(app, signed_in_browser)
    one = count()
    for n in range(3):
        granted(register(name=f"App {n}", grants=["authorization_code"]), signed_in_browser)
    assert count() == one


def test_revoking_an_application_ends_all_it_holds(app, signed_in_browser, gql, login):
    tokens = granted(app, signed_in_browser)
    token = login()
    result = gql(REVOKE, {"id": app.client_id}, token=token)["revokeApplication"]
    assert result == {"success": True, "errors": []}
    assert (
        token_request(app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json()["error"]
        == "invalid_grant"
    )
    assert introspect(app, tokens["access_token"]).json() == {"active": False}
    assert not tokens_given().exists()
    assert gql(APPLICATIONS, token=token)["me"]["applications"] == []
    assert SecurityEvent.objects.filter(type="APPLICATION_REVOKED", user__email="ada@example.com").count() == 1


def test_an_application_holding_nothing_is_not_found_alike(app, register, signed_in_browser, gql, login, make_user):
    granted(app, signed_in_browser)
    bob = login(make_user("bob@example.com").email)
    for client_id in (app.client_id, "no-such-client"):  # Ada's application, to Bob, is as unknown
        result = gql(REVOKE, {"id": client_id}, token=bob)["revokeApplication"]
        assert first_code(result) == "NOT_FOUND"
    assert tokens_given().exists()


def test_revoking_needs_a_session(app, gql):
    response = gql.post(REVOKE, {"id": app.client_id}).json()
    assert first_code(response["data"]["revokeApplication"]) == "NOT_AUTHENTICATED"


def test_nobody_else_reads_them(app, gql, login, make_user):
    from django.contrib.auth.models import Permission

    staff = make_user("staff@example.com")
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    make_user()
    answer = gql.post("{ users { email applications { id } } }", token=login("staff@example.com")).json()
    ada = next(user for user in answer["data"]["users"] if user["email"] == "ada@example.com")
    assert ada["applications"] is None
    assert answer["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


# What applications got through a sign-in ends with that sign-in.

SESSIONS = "{ me { sessions { id current } } }"


def hosted_session_id(gql, token) -> str:
    """The hosted page's sign-in, as its owner sees it from another session."""
    (other,) = [s["id"] for s in gql(SESSIONS, token=token)["me"]["sessions"] if not s["current"]]
    return other


def still_refreshes(app, tokens) -> bool:
    answer = token_request(app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    return answer.status_code == 200


def test_revoking_the_sign_in_ends_what_applications_got_through_it(app, signed_in_browser, gql, login):
    tokens = granted(app, signed_in_browser)
    token = login()
    revoke = "mutation($id: ID!) { revokeSession(id: $id) { success } }"
    assert gql(revoke, {"id": hosted_session_id(gql, token)}, token=token)["revokeSession"]["success"]
    assert not still_refreshes(app, tokens)
    assert introspect(app, tokens["access_token"]).json() == {"active": False}


def test_logout_all_ends_them_too(app, signed_in_browser, gql, login):
    tokens = granted(app, signed_in_browser)
    assert gql("mutation { logoutAll { success } }", token=login())["logoutAll"]["success"]
    assert not still_refreshes(app, tokens)


def test_another_session_ending_leaves_them(app, signed_in_browser, gql, login):
    tokens = granted(app, signed_in_browser)
    assert gql("mutation { logout { success } }", token=login())["logout"]["success"]
    assert still_refreshes(app, tokens)
