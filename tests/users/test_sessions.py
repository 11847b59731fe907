"""users.sessions, called directly: no GraphQL between the test and the flow."""

import pytest
from django.core import mail

from tests.documents import STRONG_PASSWORD
from users import sessions
from users.errors import AccountDisabled, EmailNotVerified, InvalidCredentials, NotAuthenticated, NotFound
from users.models import AuthToken

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
