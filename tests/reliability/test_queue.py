"""The durable queue across real worker processes (`manage.py worker`) on
PostgreSQL: a worker killed outright mid-delivery loses nothing, and several
workers share the rows without delivering one twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.reliability.conftest import sql
from tests.servers import ROOT, manage, server_env

pytestmark = pytest.mark.reliability


class Receiver:
    """A webhook receiver on loopback that keeps every delivery's webhook-id;
    while `hold` is clear, it keeps each request open (a delivery in flight)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.hold = threading.Event()
        self.hold.set()
        self.lock = threading.Lock()
        self.delay = 0.0
        self.in_flight = self.most_in_flight = 0
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                with received.lock:
                    received.ids.append(self.headers["webhook-id"])
                    received.in_flight += 1
                    received.most_in_flight = max(received.most_in_flight, received.in_flight)
                received.hold.wait(60)
                time.sleep(received.delay)
                with received.lock:
                    received.in_flight -= 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, seconds: float = 60) -> list[str]:
        deadline = time.monotonic() + seconds
        while len(self.ids) < count:
            assert time.monotonic() < deadline, f"{len(self.ids)} of {count} delivered"
            time.sleep(0.05)
        return self.ids

    def close(self) -> None:
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    started = Receiver()
    yield started
    started.close()


def start_worker(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "0.1", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def queue_events(env: dict, url: str, count: int) -> None:
    """A receiver of every event, and `count` recorded events (as flows record them)."""
    manage(env, "webhook", "create", "--url", url)
    script = (
        "from django.db import transaction\n"
        "from audit.log import record\n"
        "from users.events import EventType\n"
        "from users.models import User\n"
        "user = User.objects.create_user('ada@example.com', 'irrelevant passphrase')\n"
        "with transaction.atomic():\n"
        f"    for _ in range({count}):\n"
        "        record(EventType.LOGIN, user=user)\n"
    )
    manage(env, "shell", "-c", script)


def rows(database_url: str) -> int:
    return sql(database_url, "SELECT count(*) FROM django_tasks_database_dbtaskresult")[0][0]


def test_a_worker_killed_mid_delivery_loses_nothing_and_the_repeat_has_the_same_id(database_url, receiver, tmp_path):
    env = server_env(database_url, WEBHOOKS_ALLOW_HTTP_LOOPBACK="1", JOBS_LEASE_SECONDS="2", JOBS_RECOVER_SECONDS="0.5")
    queue_events(env, receiver.url, 1)
    receiver.hold.clear()  # the receiver keeps the first delivery open
    with open(tmp_path / "worker.log", "wb") as log:
        first = start_worker(env, log)
        try:
            (delivered,) = receiver.wait_for(1)
            os.kill(first.pid, signal.SIGKILL)  # mid-delivery: no chance to record anything
            first.wait(timeout=10)
        finally:
            stop(first)
        assert sql(database_url, "SELECT status FROM django_tasks_database_dbtaskresult") == [("RUNNING",)]
        receiver.hold.set()
        second = start_worker(env, log)
        try:
            ids = receiver.wait_for(2, seconds=30)  # once its lease is over
            deadline = time.monotonic() + 15
            while rows(database_url) and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            stop(second)
    assert ids == [delivered, delivered]  # at least once, and a repeat says so
    assert rows(database_url) == 0


def test_two_workers_share_the_rows_and_deliver_each_once(database_url, receiver, tmp_path):
    count = 200
    env = server_env(database_url, WEBHOOKS_ALLOW_HTTP_LOOPBACK="1")
    queue_events(env, receiver.url, count)
    assert rows(database_url) == count
    receiver.delay = 0.02  # a delivery takes a moment, so the two overlap
    with open(tmp_path / "workers.log", "wb") as log:
        workers = [start_worker(env, log) for _ in range(2)]
        try:
            ids = receiver.wait_for(count, seconds=120)
            deadline = time.monotonic() + 15
            while rows(database_url) and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1)  # any double delivery would have come by now
        finally:
            for worker in workers:
                stop(worker)
    assert len(ids) == count and len(set(ids)) == count
    assert rows(database_url) == 0
    assert receiver.most_in_flight == 2  # both took part, at once
    log_text = (tmp_path / "workers.log").read_text(errors="replace")
    assert "Traceback" not in log_text, log_text
