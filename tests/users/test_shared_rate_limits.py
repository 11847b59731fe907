"""Two real server processes on one Redis share their rate-limit counts."""

import os
import uuid

import pytest

from tests.documents import LOGIN, STRONG_PASSWORD, first_code
from tests.servers import create_verified_users, server_env, servers

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (Redis)")


def login(server, email, password):
    result = server.graphql(LOGIN, {"email": email, "password": password})["login"]
    return first_code(result, ok="OK")


def test_a_lock_earned_on_one_process_holds_on_the_other(tmp_path):
    env = server_env(
        f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL=os.environ["REDIS_URL"], CACHE_KEY_PREFIX=uuid.uuid4().hex
    )
    create_verified_users(env, ["ada@example.com", "bob@example.com"], STRONG_PASSWORD)
    with servers(2, env, tmp_path) as (first, second):
        for _ in range(10):
            assert login(first, "ada@example.com", "wrong password guess") == "INVALID_CREDENTIALS"
        assert login(second, "ada@example.com", STRONG_PASSWORD) == "RATE_LIMITED"
        assert login(second, "bob@example.com", STRONG_PASSWORD) == "OK"
