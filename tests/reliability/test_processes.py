"""Two server processes on one database serve one user consistently."""

import pytest

from tests.documents import LOGIN, LOGOUT, ME, STRONG_PASSWORD
from tests.servers import create_verified_users, server_env, servers

pytestmark = pytest.mark.reliability


def test_a_token_from_one_process_works_on_the_other_until_revoked_anywhere(database_url, tmp_path):
    env = server_env(database_url)
    create_verified_users(env, ["ada@example.com"], STRONG_PASSWORD)
    with servers(2, env, tmp_path) as (first, second):
        token = first.graphql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD})["login"]["token"]
        assert second.graphql(ME, token=token)["me"]["email"] == "ada@example.com"
        assert second.graphql(LOGOUT, token=token)["logout"]["success"]
        assert first.graphql(ME, token=token)["me"] is None
        assert second.graphql(ME, token=token)["me"] is None
