from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client

from tests.documents import LOGIN, STRONG_PASSWORD
from tests.support import AT_COMMIT
from users.models import User
from webhooks import receivers


@pytest.fixture(autouse=True)
def _fast_hashing_and_clean_cache(request, settings):
    settings.PASSWORD_HASHERS = [
        "tests.support.FastArgon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "portability.hashers.ImportedBCryptPasswordHasher",
        "portability.hashers.PBKDF2SHA256PHCPasswordHasher",
        "provider.hashers.ClientSecretHasher",
    ]
    # Jobs (mails) run in the test's thread at commit, so a test sees them at
    # once; tests/users/test_jobs.py covers the queue and its workers.
    settings.TASKS = AT_COMMIT
    # No webhook receivers, known for the whole test (their reads every few
    # seconds would add a query to whichever flow came then); creating one in a
    # test is seen at once (webhooks/receivers.py).
    settings.WEBHOOKS_REFRESH_SECONDS = float("inf")
    receivers.cached = (0.0, [])
    if not uses_database(request):
        yield
        return
    # Rate-limit counters must not leak between tests. Without Redis they live in
    # the database's cache table, so the test database must be set up first.
    request.getfixturevalue("_django_db_helper")
    cache.clear()
    yield
    cache.clear()


def uses_database(request) -> bool:
    return bool(request.node.get_closest_marker("django_db")) or bool(
        {"db", "transactional_db", "live_server", "django_db_setup"} & set(request.fixturenames)
    )


class GraphQL:
    """Posts GraphQL documents to /graphql/ as a client would, and runs the
    after-commit callbacks (the emails) that the test transaction would hold back."""

    def __init__(self, capture_on_commit) -> None:
        self.client = Client()
        self.capture_on_commit = capture_on_commit

    def post(
        self, query: str, variables: dict | None = None, *, token: str | None = None, keyword: str = "Token", **headers
    ):
        if token is not None:
            headers["HTTP_AUTHORIZATION"] = f"{keyword} {token}"
        with self.capture_on_commit(execute=True):
            return self.client.post(
                "/graphql/",
                {"query": query, "variables": variables or {}},
                content_type="application/json",
                **headers,
            )

    def __call__(self, query: str, variables: dict | None = None, **kwargs) -> dict:
        response = self.post(query, variables, **kwargs)
        assert response.status_code == 200, response.content
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def gql(db, django_capture_on_commit_callbacks) -> GraphQL:
    return GraphQL(django_capture_on_commit_callbacks)


@pytest.fixture
def make_user(db):
    def make(
        email: str = "ada@example.com", password: str = STRONG_PASSWORD, *, verified: bool = True, **extra
    ) -> User:
        user = User.objects.create_user(email, password, **extra)
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
        return user

    return make


@pytest.fixture
def ada(make_user) -> User:
    """The account most tests are about: ada@example.com, verified, STRONG_PASSWORD."""
    return make_user("ada@example.com")


@pytest.fixture
def login(gql):
    """Log in and return the token secret, failing the test if login fails."""

    def do(email: str = "ada@example.com", password: str = STRONG_PASSWORD, **headers) -> str:
        result = gql(LOGIN, {"email": email, "password": password}, **headers)["login"]
        assert result["success"], result["errors"]
        return result["token"]

    return do


@pytest.fixture
def clock():
    """A clock that starts at the beginning of a TOTP period (codes stay valid
    throughout) and ticks, as the rate limits tell attempts apart by their time."""
    import time_machine

    with time_machine.travel("2026-03-02 09:00:00Z", tick=True) as traveller:
        yield traveller
