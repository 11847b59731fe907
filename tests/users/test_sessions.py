"""users.sessions, called directly: no GraphQL between the test and the flow."""

import threading

import pytest
from django.contrib.auth import user_logged_in
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.db import connection, transaction

from tests.documents import STRONG_PASSWORD
from users import sessions
from users.errors import AccountDisabled, EmailNotVerified, InvalidCredentials, NotAuthenticated, NotFound
from users.locking import lock_user
from users.models import AuthToken, User

pytestmark = pytest.mark.django_db


def test_login_issues_a_session_and_the_request_acts_as_it(flow_request, make_user, django_assert_num_queries):
    make_user()
    request = flow_request()
    token, secret = sessions.login(request, "Ada@Example.com", STRONG_PASSWORD)
    assert request.user == token.user and request.auth == token
    assert token.ip_address == "203.0.113.7" and "Firefox" in token.user_agent
    assert AuthToken.objects.get(pk=token.pk).digest != secret  # only its digest is stored
    with django_assert_num_queries(0):
        assert token.user.email_verified is True  # known from the login, not asked again


def test_login_tells_the_owner_only_why_the_right_password_is_not_enough(flow_request, after_commit, make_user):
    make_user("ada@example.com", verified=False)
    make_user("grace@example.com", is_active=False)
    with after_commit(), pytest.raises(EmailNotVerified):
        sessions.login(flow_request(), "ada@example.com", STRONG_PASSWORD)
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]  # a fresh link
    with pytest.raises(AccountDisabled):
        sessions.login(flow_request(), "grace@example.com", STRONG_PASSWORD)
    with pytest.raises(InvalidCredentials):
        sessions.login(flow_request(), "grace@example.com", "not the password at all")
    assert not AuthToken.objects.exists()


def test_logout_all_ends_every_session_and_revoke_only_the_callers_own(make_user, signed_in):
    ada, grace = make_user("ada@example.com"), make_user("grace@example.com")
    request, token = signed_in(ada)
    other_of_ada, _ = AuthToken.objects.issue(ada)
    of_grace, _ = AuthToken.objects.issue(grace)
    for stranger in [str(of_grace.pk), "0", "-1", str(2**63), "x", ""]:
        with pytest.raises(NotFound):
            sessions.revoke_session(request, stranger)
    sessions.revoke_session(request, str(other_of_ada.pk))
    assert set(AuthToken.objects.all()) == {token, of_grace}
    sessions.logout_all(request)
    assert list(AuthToken.objects.all()) == [of_grace]


def test_flows_that_need_a_session_refuse_an_anonymous_request(flow_request):
    for flow in (sessions.logout, sessions.logout_all):
        with pytest.raises(NotAuthenticated):
            flow(flow_request())


def test_a_request_without_a_known_address_still_logs_in_and_records_none(flow_request, make_user):
    """A Unix socket without a proxy gives no address: one shared bucket for the
    limits, and no address recorded on the session, rather than a crash."""
    make_user()
    request = flow_request(REMOTE_ADDR="")
    token, _ = sessions.login(request, "ada@example.com", STRONG_PASSWORD)
    assert token.ip_address is None


def test_an_address_the_trusted_proxy_did_not_write_counts_as_the_socket(flow_request, make_user, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    make_user()
    token, _ = sessions.login(flow_request(), "ada@example.com", STRONG_PASSWORD)  # no X-Forwarded-For at all
    assert token.ip_address == "203.0.113.7"


@pytest.mark.django_db(transaction=True)
def test_a_deletion_landing_as_a_login_finishes_leaves_no_session_and_no_error(flow_request, make_user):
    """deleteAccount on another connection, let go the moment the login's session
    is made: the login's own ends (Django's last_login, the LOGIN event) are done
    under the account's row lock, so the deletion waits for them, not they for it.
    (Before, it slipped in between, and `last_login`'s save of a gone row was a 500.)"""
    if connection.vendor != "postgresql":
        pytest.skip("needs a second connection that waits on a row lock")
    from django.contrib.auth.models import update_last_login

    ada = make_user()
    deleted = threading.Event()

    def delete_elsewhere():  # as users.account.delete_account does
        with transaction.atomic():
            lock_user(ada, as_read=False)
            User.objects.get(pk=ada.pk).delete()
        deleted.set()
        connection.close()

    deleter = threading.Thread(target=delete_elsewhere)

    def first_to_hear(sender, user, **kwargs):
        deleter.start()
        deleted.wait(timeout=1)  # the whole second, unless the row is not locked

    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
    user_logged_in.connect(first_to_hear)
    user_logged_in.connect(update_last_login, dispatch_uid="update_last_login")
    try:
        token, _ = sessions.login(flow_request(), "ada@example.com", STRONG_PASSWORD)
    finally:
        user_logged_in.disconnect(first_to_hear)
        deleter.join(timeout=10)
    assert deleted.is_set() and token.pk is not None
    assert not User.objects.exists() and not AuthToken.objects.exists()


def test_a_login_whose_hash_upgrade_finds_the_account_gone_is_an_unknown_account(
    flow_request, make_user, settings, monkeypatch
):
    """The first login after an import (or a hasher change) saves the upgraded hash;
    a deleteAccount landing between the check and that save makes the login an
    unknown account's, not a 500 (Django's save of a gone row raises)."""
    settings.PASSWORD_HASHERS = [*settings.PASSWORD_HASHERS, "django.contrib.auth.hashers.MD5PasswordHasher"]
    ada = make_user()
    User.objects.filter(pk=ada.pk).update(password=make_password(STRONG_PASSWORD, hasher="md5"))
    upgrade = User.set_password

    def deleted_first(self, raw_password, *args, **kwargs):
        User.objects.filter(pk=self.pk).delete()
        upgrade(self, raw_password, *args, **kwargs)

    monkeypatch.setattr(User, "set_password", deleted_first)
    with pytest.raises(InvalidCredentials):
        sessions.login(flow_request(), "ada@example.com", STRONG_PASSWORD)
    assert not AuthToken.objects.exists()
