"""Fixtures for the reliability suite: throwaway PostgreSQL databases and clusters,
and a real SMTP server, all on loopback. Run with `make test-reliability`."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field

import psycopg
import pytest
from aiosmtpd.controller import Controller

from tests.servers import free_port

ADMIN_URL = os.environ.get("RELIABILITY_PG_URL", "postgres://postgres@127.0.0.1:5432")


def create_database(admin_url: str) -> str:
    name = f"gql_auth_rel_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url():
    """A fresh database on the shared PostgreSQL, dropped after the test."""
    try:
        name = create_database(ADMIN_URL)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {ADMIN_URL}: {error}")
    yield f"{ADMIN_URL}/{name}"
    drop_database(ADMIN_URL, name)


def sql(url: str, query: str, *params):
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def wait_for_queue(url: str, seconds: float = 60) -> None:
    """Until the queue's worker has run every job but the given-up ones (users/jobs.py)."""
    deadline = time.monotonic() + seconds
    while sql(url, "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status <> 'FAILED'")[0][0]:
        assert time.monotonic() < deadline, "the queue did not drain"
        time.sleep(0.5)


@dataclass
class Cluster:
    """A PostgreSQL cluster of the test's own, on a spare port, so that stopping
    it leaves the shared one untouched."""

    version: str
    name: str
    port: int

    @property
    def admin_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def ctl(self, action: str, *extra: str) -> None:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action, *extra],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        self.ctl("start")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                psycopg.connect(f"{self.admin_url}/postgres").close()
                return
            except psycopg.OperationalError:
                time.sleep(0.2)
        raise RuntimeError("spare cluster did not come up")

    def stop(self) -> None:
        self.ctl("stop", "-m", "fast")


@pytest.fixture
def spare_cluster():
    if not shutil.which("pg_createcluster") or not os.path.isdir("/etc/postgresql"):
        pytest.skip("needs Debian's postgresql-common (pg_createcluster)")
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    cluster = Cluster(version, f"rel{uuid.uuid4().hex[:8]}", free_port())
    subprocess.run(
        ["pg_createcluster", version, cluster.name, "-p", str(cluster.port), "--", "--auth=trust"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    try:
        cluster.start()
        yield cluster
    finally:
        subprocess.run(["pg_dropcluster", "--stop", version, cluster.name], capture_output=True, timeout=120)


@dataclass
class Inbox:
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, seconds: float = 15) -> list[str]:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.messages) >= count, self.messages
        return self.messages


class SMTPServer:
    """A real SMTP server (aiosmtpd) that the test can take down and bring back."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


class SpareRedis:
    """A Redis server of the test's own, on a spare port, that it can stop and
    start again on the same port (nothing persisted: a restart loses the counts,
    as a Redis without persistence does)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ping = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True)
            if ping.stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        raise RuntimeError("spare Redis did not come up")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


@pytest.fixture
def spare_redis():
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server")
    redis = SpareRedis()
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()
