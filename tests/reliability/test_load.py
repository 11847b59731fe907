"""A bounded mixed workload: no 5xx, and every account it creates accounted for.

The figures are printed and written to `bench/results/reliability-load.json`
for docs/reliability.md. They are reported, never asserted: only the request
budget and the time bound are limits.
"""

import json
import random
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.documents import LOGIN, LOGOUT, ME, REGISTER, STRONG_PASSWORD
from tests.reliability.conftest import sql, wait_for_queue
from tests.servers import ROOT, create_verified_users, server_env, servers

pytestmark = pytest.mark.reliability

REQUESTS = 5000
CLIENTS = 16
TIME_BUDGET = 120.0  # seconds; the run stops itself when it is spent
ACCOUNTS = [f"load{n}@example.com" for n in range(32)]


class Spent(Exception):
    """The request budget or the time budget is used up."""


class Workload:
    """Each client logs in as its own account, then mostly asks `me`, now and
    then registers a new address or logs out and in again."""

    def __init__(self, pair) -> None:
        self.pair = pair
        self.lock = threading.Lock()
        self.sent = 0
        self.deadline = time.monotonic() + TIME_BUDGET
        self.statuses: Counter = Counter()
        self.latencies: list[float] = []
        self.registered: list[str] = []
        self.failures: list = []

    def call(self, server, query, variables=None, token=None):
        with self.lock:
            if self.sent >= REQUESTS or time.monotonic() > self.deadline:
                raise Spent
            self.sent += 1
        started = time.perf_counter()
        status, body = server.post(query, variables, token)
        elapsed = time.perf_counter() - started
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(elapsed)
            if status != 200 or "errors" in body:
                self.failures.append((status, body))
        return body.get("data") or {}

    def login(self, server, email):
        data = self.call(server, LOGIN, {"email": email, "password": STRONG_PASSWORD})
        return (data.get("login") or {}).get("token")

    def client(self, number: int) -> None:
        try:
            self.run_client(number)
        except Spent:
            pass

    def run_client(self, number: int) -> None:
        rng = random.Random(number)
        server = self.pair[number % len(self.pair)]
        email = ACCOUNTS[number % len(ACCOUNTS)]
        token = self.login(server, email)
        serial = 0
        while True:
            roll = rng.random()
            if roll < 0.03:
                serial += 1
                address = f"new-{number}-{serial}@example.com"
                data = self.call(server, REGISTER, {"email": address, "password": STRONG_PASSWORD})
                if (data.get("register") or {}).get("success"):
                    with self.lock:
                        self.registered.append(address)
            elif roll < 0.08 or token is None:
                if token is not None:
                    self.call(server, LOGOUT, token=token)
                token = self.login(server, email)
            else:
                me = self.call(server, ME, token=token).get("me") or {}
                if me.get("email") != email:
                    with self.lock:
                        self.failures.append(("wrong me", me))


def test_mixed_workload_has_no_5xx_and_loses_no_account(database_url, tmp_path):
    env = server_env(database_url, RATE_LIMITS_DISABLED="1")
    create_verified_users(env, ACCOUNTS, STRONG_PASSWORD)
    with servers(2, env, tmp_path) as pair:
        workload = Workload(pair)
        started = time.monotonic()
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(workload.client, range(CLIENTS)))
        elapsed = time.monotonic() - started
        # Each registration's account is made by its job: the queue's worker catches up.
        wait_for_queue(database_url)

    latencies = sorted(workload.latencies)
    figures = {
        "requests": len(latencies),
        "clients": CLIENTS,
        "server_processes": len(pair),
        "seconds": round(elapsed, 1),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "statuses": {str(k): v for k, v in workload.statuses.items()},
        "accounts_registered": len(workload.registered),
    }
    print("\nload figures:", json.dumps(figures))
    out = Path(ROOT / "bench" / "results")
    out.mkdir(parents=True, exist_ok=True)
    (out / "reliability-load.json").write_text(json.dumps(figures, indent=2) + "\n")

    assert len(latencies) == REQUESTS, f"only {len(latencies)} requests within {TIME_BUDGET}s"
    assert not any(status >= 500 for status in workload.statuses), workload.statuses
    assert workload.failures == []
    stored = {email for (email,) in sql(database_url, "SELECT email FROM users_user WHERE email LIKE 'new-%%'")}
    assert stored == set(workload.registered)
