"""Without REDIS_URL, every process of an instance still shares one set of counts
(Django's database cache): a lock earned on one gunicorn worker holds on the other."""

from concurrent.futures import ThreadPoolExecutor

from tests.documents import LOGIN, STRONG_PASSWORD, first_code
from tests.servers import create_verified_users, server_env, servers


def outcome(server, password):
    result = server.graphql(LOGIN, {"email": "ada@example.com", "password": password})["login"]
    return first_code(result, ok="OK")


def test_two_workers_without_redis_share_the_lock(tmp_path):
    env = server_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL="")
    create_verified_users(env, ["ada@example.com"], STRONG_PASSWORD)
    with servers(1, env, tmp_path) as (server,):  # one instance: 2 worker processes
        with ThreadPoolExecutor(4) as pool:  # several connections, so both workers answer
            outcomes = list(pool.map(lambda _: outcome(server, "wrong password guess"), range(30)))
        assert outcomes.count("INVALID_CREDENTIALS") == 10, outcomes
        assert outcome(server, STRONG_PASSWORD) == "RATE_LIMITED"
