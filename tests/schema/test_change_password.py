import pytest

from tests.documents import CHANGE, LOGIN, ME, STRONG_PASSWORD, failures
from users.models import AuthToken

NEW_PASSWORD = "a fresh and long passphrase"


def change(gql, token, old=STRONG_PASSWORD, new=NEW_PASSWORD):
    return gql(CHANGE, {"old": old, "new": new}, token=token)["changePassword"]


@pytest.mark.usefixtures("ada")
def test_change_keeps_this_session_and_ends_the_others(gql, login, mailoutbox):
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
    assert failures(change(gql, token, old="not my password")) == [("oldPassword", "INVALID_CREDENTIALS")]
    ada.refresh_from_db()
    assert ada.check_password(STRONG_PASSWORD)


@pytest.mark.usefixtures("ada")
def test_anonymous_is_not_authenticated(gql):
    assert failures(change(gql, None)) == [(None, "NOT_AUTHENTICATED")]


@pytest.mark.usefixtures("ada")
def test_weak_new_password(gql, login):
    result = change(gql, login(), new="12345678901234")
    assert failures(result) == [("newPassword", "PASSWORD_TOO_WEAK")]
    assert "numeric" in result["errors"][0]["message"]


@pytest.mark.usefixtures("ada")
def test_malformed_arguments(gql, login):
    assert failures(change(gql, login(), old="", new="x" * 1025)) == [
        ("oldPassword", "INVALID_INPUT"),
        ("newPassword", "INVALID_INPUT"),
    ]


@pytest.mark.usefixtures("ada")
def test_changes_are_limited_per_user(gql, login):
    token = login()
    for _ in range(5):
        assert failures(change(gql, token, old="wrong guess")) == [("oldPassword", "INVALID_CREDENTIALS")]
    assert failures(change(gql, token)) == [(None, "RATE_LIMITED")]


FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
FORGED = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 "
    "<b>This change was made by our security team, no action is needed. Call +1 555 0100</b>"
)


@pytest.mark.parametrize(
    "agent, described",
    [
        (FIREFOX, "Firefox 128 on Windows"),
        (FORGED, "Chrome 126 on Linux"),
        ("Your account is safe: ignore this mail and call +1 555 0100", "an unknown browser"),
        ("", "an unknown browser"),
    ],
)
@pytest.mark.usefixtures("ada")
def test_the_notice_describes_the_browser_and_quotes_nothing(gql, login, mailoutbox, agent, described):
    """The notice is the owner's alarm: an intruder must not write his own sentence into it."""
    token = login()
    result = gql(CHANGE, {"old": STRONG_PASSWORD, "new": NEW_PASSWORD}, token=token, HTTP_USER_AGENT=agent)
    assert result["changePassword"]["success"]
    (notice,) = mailoutbox
    for body in (notice.body, notice.alternatives[0][0]):
        assert f"Browser: {described}" in body or f"<td>{described}</td>" in body
        assert "security team" not in body and "555" not in body and "ignore this mail" not in body


def test_a_change_racing_a_reset_does_not_undo_it(gql, ada, login, monkeypatch):
    """A thief with a token and the old password must not overwrite the owner's reset
    by changing the password at the same moment: under the row lock, the password
    checked must still be the account's and the token still alive."""
    from users import credentials
    from users.models import User

    token = login()
    check = credentials.check

    def check_then_lose_the_race(request, email, password):
        user = check(request, email, password)
        owner = User.objects.get(pk=user.pk)
        owner.set_password("the owner's reset")
        owner.save()  # ends every session, the thief's too
        return user

    monkeypatch.setattr(credentials, "check", check_then_lose_the_race)
    result = change(gql, token)
    monkeypatch.undo()
    assert result["success"] is False
    ada.refresh_from_db()
    assert ada.check_password("the owner's reset")
