"""The durable queue (users/jobs.py): what a request pays to queue a job, and
what one worker delivers per second.

- the statements a `register` runs before its answer, and its answer time
  (median, in process, through the service's own view);
- queueing one mail: statements and microseconds;
- mails per second of one worker (one core) to a local SMTP sink (aiosmtpd);
- webhook deliveries per second of one worker to a local receiver.

Each database gets a fresh one of its own (SQLite file; PostgreSQL when
BENCH_PG_URL answers), in a Django process of its own. Bounded: it stops by itself.

    .venv/bin/python bench/queue.py [--jobs 500]
    (make bench runs it; results in bench/results/queue-latest.json)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")

MEASURE = r"""
import django
django.setup()
import json, statistics, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from users import workers
from users.mail import deliver

count = int(sys.argv[1])
call_command("migrate", verbosity=0)
REGISTER = 'mutation($e: String!) { register(email: $e, password: "correct horse battery staple") { success } }'
client = Client(SERVER_NAME="127.0.0.1")

def register(n):
    started = time.perf_counter()
    answer = client.post(
        "/graphql/", {"query": REGISTER, "variables": {"e": f"r{n}@example.com"}}, content_type="application/json"
    )
    elapsed = (time.perf_counter() - started) * 1000
    assert answer.json()["data"]["register"]["success"], answer.content
    return elapsed

for n in range(20):
    register(n)  # warm
with CaptureQueriesContext(connection) as queries:
    register(10_000)
statements = [q["sql"].split(" ")[0] + " " + q["sql"].split(" ")[2] for q in queries.captured_queries]
register_ms = statistics.median(register(100 + n) for n in range(200))
DBTaskResult.objects.all().delete()

MAIL = {"subject": "s", "body": "b" * 2000, "from": "no-reply@example.com", "to": ["a@example.com"],
        "headers": {}, "subtype": "plain", "alternatives": []}
with CaptureQueriesContext(connection) as queries:
    deliver.enqueue(MAIL)
enqueue_statements = len(queries.captured_queries)
times = []
for _ in range(count):
    started = time.perf_counter()
    deliver.enqueue(MAIL)
    times.append((time.perf_counter() - started) * 1_000_000)
enqueue_us = statistics.median(times)

class Sink:
    received = 0
    async def handle_DATA(self, server, session, envelope):
        Sink.received += 1
        return "250 OK"

import socket
with socket.socket() as sock:
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
smtp = Controller(Sink(), hostname="127.0.0.1", port=port)
smtp.start()
settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
started = time.perf_counter()
workers.worker("bench", interval=0, batch=True).run()
mails_per_s = Sink.received / (time.perf_counter() - started)
smtp.stop()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass

receiver = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=receiver.serve_forever, daemon=True).start()
settings.WEBHOOKS_ALLOW_HTTP_LOOPBACK = True
from webhooks import endpoints
from webhooks.delivery import deliver as deliver_webhook
endpoint, _ = endpoints.create(f"http://127.0.0.1:{receiver.server_port}/hooks", [])
body = {"type": "LOGIN", "timestamp": "2026-01-01T00:00:00+00:00", "data": {"account_id": "1"}}
for n in range(count):
    deliver_webhook.enqueue(str(endpoint.pk), f"msg_{n}", body)
started = time.perf_counter()
workers.worker("bench", interval=0, batch=True).run()
left = DBTaskResult.objects.count()
webhooks_per_s = (count - left) / (time.perf_counter() - started)
receiver.shutdown()
print(json.dumps({
    "register_statements_before_answer": statements,
    "register_answer_ms": round(register_ms, 2),
    "enqueue_statements": enqueue_statements,
    "enqueue_us": round(enqueue_us, 1),
    "mails_per_s_one_worker": round(mails_per_s, 1),
    "webhooks_per_s_one_worker": round(webhooks_per_s, 1),
}))
"""


def run(database_url: str, count: int) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gql_auth.settings",
        "DEBUG": "1",  # the queries are captured; nothing else differs for these figures
        "DATABASE_URL": database_url,
        "RATE_LIMITS_DISABLED": "1",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(count)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise SystemExit(f"the queue bench failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(count: int = 500) -> dict:
    result = {}
    with tempfile.TemporaryDirectory() as folder:
        result["SQLite"] = run(f"sqlite:///{folder}/queue.sqlite3", count)
    psql = ["psql", ADMIN_URL, "-q", "-v", "ON_ERROR_STOP=1", "-c"]
    if subprocess.run([*psql, "SELECT 1"], capture_output=True).returncode == 0:
        name = "gql_auth_bench_queue"
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run([*psql, f"CREATE DATABASE {name}"], check=True)
        try:
            result["PostgreSQL"] = run(ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", count)
        finally:
            subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name}"], check=True)
    return result


def table(result: dict) -> list[str]:
    lines = [f"{'queue':44} " + " ".join(f"{label:>12}" for label in result)]
    rows = [
        ("register: statements before the answer", lambda r: len(r["register_statements_before_answer"])),
        ("register: answer, median ms", lambda r: r["register_answer_ms"]),
        ("queue one mail: statements", lambda r: r["enqueue_statements"]),
        ("queue one mail: median µs", lambda r: r["enqueue_us"]),
        ("mails/s, one worker, local SMTP", lambda r: r["mails_per_s_one_worker"]),
        ("webhook deliveries/s, one worker", lambda r: r["webhooks_per_s_one_worker"]),
    ]
    for name, value in rows:
        lines.append(f"{name:44} " + " ".join(f"{value(r):>12}" for r in result.values()))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=500)
    args = parser.parse_args()
    result = measure(args.jobs)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "queue-latest.json").write_text(json.dumps(result, indent=2) + "\n")
    print("\n".join(table(result)))


if __name__ == "__main__":
    main()
