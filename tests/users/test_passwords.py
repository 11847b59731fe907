"""users.passwords, called directly: no GraphQL between the test and the flow."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from tests.documents import STRONG_PASSWORD
from users import passwords, reset_keys
from users.errors import AccountErrors, ExpiredKey, InvalidCredentials, InvalidKey, NotAuthenticated
from users.models import AuthToken

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a brand new passphrase"


def test_change_password_keeps_this_session_ends_the_others_and_tells_the_owner(after_commit, make_user, signed_in):
    ada = make_user()
    request, token = signed_in(ada)
    AuthToken.objects.issue(ada)
    with after_commit():
        passwords.change_password(request, STRONG_PASSWORD, NEW_PASSWORD)
    ada.refresh_from_db()
    assert ada.check_password(NEW_PASSWORD)
    assert list(AuthToken.objects.all()) == [token]
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]


def test_change_password_names_the_field_at_fault(flow_request, make_user, signed_in):
    request, _ = signed_in(make_user())
    with pytest.raises(InvalidCredentials) as failure:
        passwords.change_password(request, "not my password at all", NEW_PASSWORD)
    assert failure.value.field == "oldPassword"
    with pytest.raises(AccountErrors) as failures:
        passwords.change_password(request, "", "")
    assert [e.field for e in failures.value.errors] == ["oldPassword", "newPassword"]
    with pytest.raises(NotAuthenticated):
        passwords.change_password(flow_request(), STRONG_PASSWORD, NEW_PASSWORD)


def test_reset_password_spends_the_key_ends_every_session_and_verifies_the_address(flow_request, make_user):
    ada = make_user(verified=False)
    AuthToken.objects.issue(ada)
    key = reset_keys.make_key(ada)
    passwords.reset_password(flow_request(), key, NEW_PASSWORD)
    ada.refresh_from_db()
    assert ada.check_password(NEW_PASSWORD) and ada.email_verified
    assert not AuthToken.objects.exists()
    with pytest.raises(InvalidKey):
        passwords.reset_password(flow_request(), key, "yet another passphrase")


def test_an_old_reset_key_is_expired_not_invalid(flow_request, make_user, time_machine):
    ada = make_user()
    key = reset_keys.make_key(ada)
    time_machine.move_to(timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60))
    with pytest.raises(ExpiredKey):
        passwords.reset_password(flow_request(), key, NEW_PASSWORD)


def test_request_password_reset_mails_active_accounts_only(flow_request, after_commit, make_user):
    make_user("ada@example.com")
    make_user("grace@example.com", is_active=False)
    with after_commit():
        for address in ["grace@example.com", "nobody@example.com", "ADA@example.com"]:
            passwords.request_password_reset(flow_request(), address)
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"] and "/reset-password/" in message.body
