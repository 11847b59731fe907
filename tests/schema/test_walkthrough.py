"""The whole first half of an account's life, as a client and a mailbox see it."""

from tests.documents import LOGIN, LOGOUT, ME, REGISTER, STRONG_PASSWORD, VERIFY
from tests.support import key_from


def test_register_verify_login_me_logout(gql, mailoutbox):
    email = "grace@example.com"
    registered = gql(REGISTER, {"email": email, "password": STRONG_PASSWORD})["register"]
    assert registered == {"success": True, "errors": []}

    refused = gql(LOGIN, {"email": email, "password": STRONG_PASSWORD})["login"]
    assert refused["errors"][0]["code"] == "EMAIL_NOT_VERIFIED"
    assert refused["token"] is None

    (welcome,) = mailoutbox  # the unverified login was within the mail cooldown
    assert welcome.to == [email]
    verified = gql(VERIFY, {"key": key_from(welcome)})["verifyEmail"]
    assert verified == {"success": True, "errors": []}

    logged_in = gql(LOGIN, {"email": email, "password": STRONG_PASSWORD})["login"]
    assert logged_in["success"] and logged_in["errors"] == []
    assert logged_in["user"] == {
        "id": logged_in["user"]["id"],
        "email": email,
        "emailVerified": True,
    }
    token = logged_in["token"]

    me = gql(ME, token=token)["me"]
    assert me["email"] == email and me["emailVerified"] is True
    assert me["lastLogin"] is not None

    assert gql(LOGOUT, token=token)["logout"] == {"success": True, "errors": []}
    assert gql(ME, token=token)["me"] is None
