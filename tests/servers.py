"""Real server processes of the service on loopback, for tests across processes."""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from provider.keys import generate_pem

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def oidc_test_key() -> str:
    """One signing key for every server process a test run starts."""
    return generate_pem()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=120
    )
    return result.stdout


class Server:
    """One production server process (gunicorn, as deployed: a few worker processes
    with a few threads each, so database connections stay bounded and reused).
    Its output, console emails included, goes to `log_path`."""

    def __init__(
        self,
        env: dict,
        log_path: Path,
        application: str = "gql_auth.wsgi:application",
        cwd: Path = ROOT,
        *,
        worker: bool = True,
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = open(log_path, "wb")  # noqa: SIM115 (closed when the server stops)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                application,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--worker-class",
                "gthread",
                "--threads",
                "4",
            ],
            cwd=cwd,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        # The queue's worker, its own process as in production (README, "Production").
        self.worker = (
            subprocess.Popen(
                [sys.executable, "manage.py", "worker", "--interval", "0.1", "--no-startup-delay"],
                cwd=ROOT,
                env=env,
                stdout=self.log,
                stderr=subprocess.STDOUT,
            )
            if worker
            else None
        )

    def wait_ready(self, seconds: float = 30, path: str = "/healthz") -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.get(path)
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        raise RuntimeError(f"server on port {self.port} did not start: {self.log_text()}")

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def request(
        self, path: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 30
    ) -> tuple[int, dict]:
        request = urllib.request.Request(self.base + path, body, headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict]:
        return self.request(path, headers=headers)

    def post(self, query: str, variables: dict | None = None, token: str | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        return self.request("/graphql/", body, headers)

    def graphql(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        status, payload = self.post(query, variables, token)
        assert status == 200, (status, payload)
        assert "errors" not in payload, payload
        return payload["data"]

    def stop(self) -> None:
        for process in filter(None, [self.process, self.worker]):
            process.terminate()
        for process in filter(None, [self.process, self.worker]):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.log.close()


@contextmanager
def servers(count: int, env: dict, log_dir: Path):
    """Start `count` server processes sharing `env` (database, cache); stop them after."""
    # One queue worker beside the first: its console mails are in the first's log.
    started = [Server(env, log_dir / f"server-{n}.log", worker=n == 0) for n in range(count)]
    try:
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()


def server_env(database_url: str, **extra: str) -> dict:
    """A production-like environment for server processes, migrated and ready."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="gql_auth.settings",
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY="test-servers-" + "k" * 40,
        OIDC_PRIVATE_KEY=oidc_test_key(),
        ALLOWED_HOSTS="127.0.0.1",
    )
    env.update(extra)
    manage(env, "migrate", "--noinput")
    return env


def create_verified_users(env: dict, emails: list[str], password: str) -> None:
    script = (
        "from allauth.account.models import EmailAddress\n"
        "from users.models import User\n"
        f"for email in {emails!r}:\n"
        f"    user = User.objects.create_user(email, {password!r})\n"
        "    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)\n"
    )
    manage(env, "shell", "-c", script)
