"""users.signup, called directly: no GraphQL between the test and the flow."""

from datetime import timedelta

import pytest
from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail, signing
from django.utils import timezone

from tests.documents import STRONG_PASSWORD
from tests.support import key_from
from users import signup
from users.errors import AccountErrors, ExpiredKey, InvalidKey, PasswordTooWeak
from users.models import User

pytestmark = pytest.mark.django_db


def test_register_makes_the_account_after_commit_and_mails_a_link(flow_request, after_commit):
    with after_commit():
        signup.register(flow_request(), " Ada@Example.COM ", STRONG_PASSWORD)
    user = User.objects.get()
    assert user.email == "ada@example.com" and user.check_password(STRONG_PASSWORD)
    assert user.email_verified is False
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"] and "/verify-email/" in message.body


def test_register_of_a_taken_address_tells_its_owner_and_changes_nothing(flow_request, after_commit, make_user):
    ada = make_user()
    with after_commit():
        signup.register(flow_request(), "ada@example.com", "another long passphrase")
    assert User.objects.get() == ada and ada.check_password(STRONG_PASSWORD)
    (message,) = mail.outbox
    assert "/verify-email/" not in message.body


def test_register_reports_every_bad_field_at_once(flow_request):
    with pytest.raises(AccountErrors) as failure:
        signup.register(flow_request(), "not an address", "")
    assert [(e.field, e.code) for e in failure.value.errors] == [
        ("email", "INVALID_INPUT"),
        ("password", "INVALID_INPUT"),
    ]


def test_register_refuses_a_weak_password_before_anything_is_made(flow_request, after_commit):
    with after_commit() as callbacks, pytest.raises(PasswordTooWeak):
        signup.register(flow_request(), "ada@example.com", "password")
    assert callbacks == [] and not User.objects.exists()


def test_verify_email_spends_the_key_once(flow_request, after_commit):
    with after_commit():
        signup.register(flow_request(), "ada@example.com", STRONG_PASSWORD)
    key = key_from(mail.outbox[0])
    assert signup.pending_address(key).email == "ada@example.com"
    user = signup.verify_email(flow_request(), key)
    assert user.email == "ada@example.com" and EmailAddress.objects.get().verified
    with pytest.raises(InvalidKey):
        signup.verify_email(flow_request(), key)


@pytest.mark.parametrize("payload", ["1", [1], {"id": 1}, 1.0, None])
def test_a_genuinely_signed_key_that_names_no_address_id_is_invalid(flow_request, make_user, payload):
    """Only an integer names an address: a key signed with the same salt over
    anything else (another of allauth's signed values) is refused, not looked up."""
    make_user(verified=False)
    key = signing.dumps(payload, salt=allauth_settings.SALT)
    with pytest.raises(InvalidKey):
        signup.verify_email(flow_request(), key)
    with pytest.raises(InvalidKey):
        signup.pending_address(key)
    assert not EmailAddress.objects.filter(verified=True).exists()


def test_an_old_verification_key_is_expired_not_invalid(flow_request, make_user, time_machine):
    address = make_user(verified=False).emailaddress_set.get()
    key = EmailConfirmationHMAC(address).key
    time_machine.move_to(timezone.now() + timedelta(days=allauth_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS + 1))
    with pytest.raises(ExpiredKey):
        signup.verify_email(flow_request(), key)


def test_resend_mails_only_an_address_awaiting_verification(flow_request, after_commit, make_user):
    make_user("ada@example.com", verified=False)
    make_user("grace@example.com", verified=True)
    with after_commit():
        signup.resend_verification_email(flow_request(), "grace@example.com")
        signup.resend_verification_email(flow_request(), "nobody@example.com")
        signup.resend_verification_email(flow_request(), "ADA@example.com")
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
