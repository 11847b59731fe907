import pytest

from tests.conftest import LOGIN, ME, STRONG_PASSWORD
from users.models import AuthToken

NEW_PASSWORD = "a fresh and long passphrase"
CHANGE = """mutation($old: String!, $new: String!) {
  changePassword(oldPassword: $old, newPassword: $new) { success errors { field code message } } }"""


def change(gql, token, old=STRONG_PASSWORD, new=NEW_PASSWORD):
    return gql(CHANGE, {"old": old, "new": new}, token=token)["changePassword"]


def errors(result):
    assert result["success"] is False
    return [(e["field"], e["code"]) for e in result["errors"]]


@pytest.fixture
def ada(make_user):
    return make_user("ada@example.com")


def test_change_keeps_this_session_and_ends_the_others(gql, ada, login, mailoutbox):
    current, other = login(), login()
    assert change(gql, current) == {"success": True, "errors": []}
    assert gql(ME, token=current)["me"]["email"] == "ada@example.com"
    assert gql(ME, token=other)["me"] is None
    assert AuthToken.objects.count() == 1
    assert gql(LOGIN, {"email": "ada@example.com", "password": NEW_PASSWORD})["login"]["success"]
    (notice,) = mailoutbox
    assert notice.subject == "[gql-auth] Your password was changed"


def test_wrong_old_password(gql, ada, login):
    token = login()
    assert errors(change(gql, token, old="not my password")) == [("oldPassword", "INVALID_CREDENTIALS")]
    ada.refresh_from_db()
    assert ada.check_password(STRONG_PASSWORD)


def test_anonymous_is_not_authenticated(gql, ada):
    assert errors(change(gql, None)) == [(None, "NOT_AUTHENTICATED")]


def test_weak_new_password(gql, ada, login):
    result = change(gql, login(), new="12345678901234")
    assert errors(result) == [("newPassword", "PASSWORD_TOO_WEAK")]
    assert "numeric" in result["errors"][0]["message"]


def test_malformed_arguments(gql, ada, login):
    assert errors(change(gql, login(), old="", new="x" * 1025)) == [
        ("oldPassword", "INVALID_INPUT"), ("newPassword", "INVALID_INPUT")]


def test_changes_are_limited_per_user(gql, ada, login):
    token = login()
    for _ in range(5):
        assert errors(change(gql, token, old="wrong guess")) == [("oldPassword", "INVALID_CREDENTIALS")]
    assert errors(change(gql, token)) == [(None, "RATE_LIMITED")]
