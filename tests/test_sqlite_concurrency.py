"""The embedded default database holds a small team's load: on SQLite, logins
from many clients at once do not make the owner's password change or reset fail
with "database is locked" (WAL, immediate transactions, a busy timeout)."""

import re
import time
from concurrent.futures import ThreadPoolExecutor

from tests.documents import CHANGE, LOGIN, REQUEST_RESET, RESET, STRONG_PASSWORD
from tests.servers import create_verified_users, server_env, servers

TEAM = [f"member{n}@example.com" for n in range(8)]


def test_logins_do_not_lock_out_password_changes(tmp_path):
    env = server_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", RATE_LIMITS_DISABLED="1")
    create_verified_users(env, ["ada@example.com", "bob@example.com", *TEAM], STRONG_PASSWORD)
    with servers(1, env, tmp_path) as (server,):
        ada = server.graphql(LOGIN, {"email": "ada@example.com", "password": STRONG_PASSWORD})["login"]["token"]
        server.graphql(REQUEST_RESET, {"email": "bob@example.com"})
        deadline = time.monotonic() + 10
        while not (found := re.findall(r"/reset-password/([^\s<>\"]+)", server.log_text())):
            assert time.monotonic() < deadline, "no reset mail"
            time.sleep(0.05)
        bob_key = found[-1]

        def team_login(n):
            return server.post(LOGIN, {"email": TEAM[n % len(TEAM)], "password": STRONG_PASSWORD})

        with ThreadPoolExecutor(12) as pool:
            logins = [pool.submit(team_login, n) for n in range(48)]
            time.sleep(0.2)  # the logins are in flight
            change = pool.submit(server.post, CHANGE, {"old": STRONG_PASSWORD, "new": "ada's new passphrase"}, ada)
            reset = pool.submit(server.post, RESET, {"key": bob_key, "password": "bob's new passphrase"})
            answers = [future.result(timeout=120) for future in logins]
            change, reset = change.result(timeout=120), reset.result(timeout=120)
        log = server.log_text()

    statuses = [status for status, _ in answers] + [change[0], reset[0]]
    assert statuses.count(200) == len(statuses), sorted(set(statuses))
    assert change[1]["data"]["changePassword"]["success"], change
    assert reset[1]["data"]["resetPassword"]["success"], reset
    assert all(body["data"]["login"]["success"] for _, body in answers)
    assert "database is locked" not in log
