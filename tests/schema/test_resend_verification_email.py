import pytest

from tests.documents import RESEND, VERIFY
from tests.support import key_from


def resend(gql, email):
    return gql(RESEND, {"email": email})["resendVerificationEmail"]


def test_unverified_address_gets_a_working_link(gql, make_user, mailoutbox):
    make_user("grace@example.com", verified=False)
    assert resend(gql, "GRACE@example.com") == {"success": True, "errors": []}
    (mail,) = mailoutbox
    assert mail.to == ["grace@example.com"]
    assert "new link" in mail.body
    assert gql(VERIFY, {"key": key_from(mail)})["verifyEmail"]["success"]


@pytest.mark.parametrize("state", ["unknown", "verified", "deactivated"])
def test_answers_success_and_mails_nobody(gql, make_user, mailoutbox, state):
    if state == "verified":
        make_user("grace@example.com", verified=True)
    elif state == "deactivated":
        make_user("grace@example.com", verified=False, is_active=False)
    assert resend(gql, "grace@example.com") == {"success": True, "errors": []}
    assert mailoutbox == []


def test_one_mail_per_cooldown(gql, make_user, mailoutbox):
    make_user("grace@example.com", verified=False)
    for _ in range(3):
        assert resend(gql, "grace@example.com")["success"]
    assert len(mailoutbox) == 1


def test_malformed_address_is_invalid_input(gql):
    result = resend(gql, "grace")
    assert result["success"] is False
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("email", "INVALID_INPUT")]
