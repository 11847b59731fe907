from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.documents import LOGOUT, ME
from users.models import AuthToken


@pytest.fixture
def token(make_user, login):
    make_user()
    return login()


def test_anonymous_me_is_null(gql):
    assert gql(ME)["me"] is None


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "token", "BEARER"])
def test_both_keywords_authenticate(gql, token, keyword):
    assert gql(ME, token=token, keyword=keyword)["me"]["email"] == "ada@example.com"


@pytest.mark.parametrize(
    "header",
    ["Token", "Token nope", "Bearer gqa_" + "x" * 43, "Token a b", "Basic Zm9vOmJhcg==", "Token " + "gqa_" * 100],
)
@pytest.mark.usefixtures("token")
def test_bad_header_is_anonymous_not_an_error(gql, header):
    assert gql(ME, HTTP_AUTHORIZATION=header)["me"] is None


@pytest.mark.usefixtures("token")
def test_non_ascii_header_is_anonymous(gql):
    response = gql.post(ME, HTTP_AUTHORIZATION="Token gqa_é".encode().decode("latin-1"))
    assert response.status_code == 200 and response.json()["data"]["me"] is None


def test_expired_token_is_anonymous(gql, make_user, login):
    make_user()
    with time_machine.travel("2026-01-01 00:00:00Z", tick=False) as clock:
        token = login()
        clock.shift(timedelta(days=14) - timedelta(seconds=1))
        assert gql(ME, token=token)["me"] is not None
        clock.shift(timedelta(seconds=1))
        assert gql(ME, token=token)["me"] is None


def test_deactivated_user_token_stops_working_at_once(gql, token, django_user_model):
    django_user_model.objects.update(is_active=False)
    assert gql(ME, token=token)["me"] is None


def test_authenticated_me_takes_one_query(gql, token, django_assert_num_queries):
    gql(ME, token=token)  # warm up: the first use may record "last used"
    with django_assert_num_queries(1):  # token, user and verification, together
        assert gql(ME, token=token)["me"]["emailVerified"] is True


@pytest.mark.usefixtures("login")
def test_me_tells_an_unverified_address(gql, make_user):
    user = make_user("grace@example.com", verified=False)
    from users.models import AuthToken

    token, secret = AuthToken.objects.issue(user)
    assert gql(ME, token=secret)["me"]["emailVerified"] is False


def test_last_used_is_written_at_most_once_a_minute(gql, make_user, login):
    make_user()
    with time_machine.travel("2026-01-01 00:00:00Z", tick=False) as clock:
        token = login()
        session = AuthToken.objects.get()
        clock.shift(timedelta(seconds=59))
        with CaptureQueriesContext(connection) as queries:
            gql(ME, token=token)
        assert not [q for q in queries if q["sql"].startswith("UPDATE")]
        clock.shift(timedelta(seconds=1))
        with CaptureQueriesContext(connection) as queries:
            gql(ME, token=token)
        assert len([q for q in queries if q["sql"].startswith("UPDATE")]) == 1
    session.refresh_from_db()
    assert session.last_used_at.isoformat() == "2026-01-01T00:01:00+00:00"


def test_logout_revokes_only_this_token(gql, token, login):
    other = login()
    assert gql(LOGOUT, token=token)["logout"] == {"success": True, "errors": []}
    assert gql(ME, token=token)["me"] is None
    assert gql(ME, token=other)["me"] is not None
    assert gql(LOGOUT, token=token)["logout"]["errors"][0]["code"] == "NOT_AUTHENTICATED"


def test_anonymous_logout_is_not_authenticated(gql):
    result = gql(LOGOUT)["logout"]
    assert result["success"] is False
    assert result["errors"][0]["code"] == "NOT_AUTHENTICATED"
