"""`auditEvents` at scale: the time of a page at 10 M security events beside the
time at 10 k, on PostgreSQL (target: at most 1.5×), for each way an auditor
pages (the newest, a filter by account, by type, by both; a deep `offset`; a
deep page by `after`).

Each size gets a database of its own (made, filled with generate_series, then
dropped), and each page is the whole GraphQL request, in process, through the
service's own view. Bounded: it stops by itself.

    .venv/bin/python bench/audit_events.py [--sizes 10000 10000000] [--repeats 15]
    (make bench runs it on PostgreSQL, and alone with BENCH_ARGS=--audit-events-only;
    results in bench/results/audit-events-latest.json)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
ACCOUNTS = 100
PAGE = """query($after: ID, $offset: Int, $userId: ID, $type: SecurityEventType) {
  auditEvents(first: 50, after: $after, offset: $offset, userId: $userId, type: $type) { id type createdAt }
}"""

# Run in a fresh Django process on the size's database: fill it, then time each page.
MEASURE = r"""
import django
django.setup()
import json, statistics, sys, time
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test import Client
from allauth.account.models import EmailAddress
from users.models import AuthToken, User

rows, repeats, page, accounts = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
call_command("migrate", verbosity=0)
auditor = User.objects.create_user("auditor@example.com", None)
EmailAddress.objects.create(user=auditor, email=auditor.email, verified=True, primary=True)
auditor.user_permissions.add(Permission.objects.get(codename="view_securityevent"))
_, secret = AuthToken.objects.issue(auditor)
User.objects.bulk_create([User(email=f"a{n}@example.com", password="!") for n in range(accounts)])
first_id = User.objects.filter(email="a0@example.com").values_list("id", flat=True).get()
started = time.monotonic()
with connection.cursor() as cursor:
    cursor.execute(
        "INSERT INTO users_securityevent (type, created_at, user_id, ip_address, user_agent) "
        "SELECT (ARRAY['LOGIN','LOGIN_FAILED','LOGOUT','PASSWORD_CHANGED'])[1 + mod(n / 7, 4)], "
        "now() - (%s - n) * interval '1 second', %s + mod(n, %s), NULL, '' "
        "FROM generate_series(1, %s) AS n",
        [rows, first_id, accounts, rows],
    )
    cursor.execute("ANALYZE users_securityevent")
filled = time.monotonic() - started

def event_at(depth, **where):
    from audit.models import SecurityEvent
    return str(SecurityEvent.objects.filter(**where).order_by("-created_at", "-id").values_list("id", flat=True)[depth])

deep = rows // 2
user = first_id + 7
cases = {
    "newest": {},
    "by account": {"userId": str(user)},
    "by type": {"type": "LOGIN_FAILED"},
    "by account and type": {"userId": str(user), "type": "LOGIN_FAILED"},
    "offset 10,000 (the deepest allowed)": {"offset": min(10000, rows - 100)},
    "after, halfway down": {"after": event_at(deep)},
    "after, halfway down an account": {"userId": str(user), "after": event_at(deep // accounts, user_id=user)},
}
client = Client(HTTP_HOST="127.0.0.1")
out = {"rows": rows, "fill_seconds": round(filled, 1), "pages_ms": {}}
for name, variables in cases.items():
    times = []
    for _ in range(repeats + 2):
        began = time.perf_counter()
        response = client.post("/graphql/", {"query": page, "variables": variables},
                               content_type="application/json", HTTP_AUTHORIZATION=f"Token {secret}")
        times.append(time.perf_counter() - began)
        body = response.json()
        assert "errors" not in body and body["data"]["auditEvents"], (name, body)
    out["pages_ms"][name] = round(statistics.median(times[2:]) * 1000, 2)
print(json.dumps(out))
"""


def run_size(rows: int, repeats: int) -> dict:
    name = f"gql_auth_bench_audit_{rows}"
    psql = ["psql", ADMIN_URL, "-q", "-v", "ON_ERROR_STOP=1", "-c"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {name}"], check=True)
    try:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "gql_auth.settings",
            "DEBUG": "1",
            "DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + f"/{name}",
            "RATE_LIMITS_DISABLED": "1",
        }
        env.pop("REDIS_URL", None)
        done = subprocess.run(
            [sys.executable, "-c", MEASURE, str(rows), str(repeats), PAGE, str(ACCOUNTS)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if done.returncode != 0:
            raise SystemExit(f"measuring {rows:,} events failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name}"], check=True)


def table(result: dict) -> list[str]:
    small, large = result["sizes"][0], result["sizes"][-1]
    lines = [f"{'page':32} {small['rows']:>12,} rows {large['rows']:>12,} rows   ratio (target <= 1.5)"]
    for name, fast in small["pages_ms"].items():
        slow = large["pages_ms"][name]
        lines.append(f"{name:32} {fast:>14.2f} ms {slow:>14.2f} ms   {slow / fast:.2f}")
    return lines


SIZES = [10_000, 10_000_000]


def measure(sizes: list[int] = SIZES, repeats: int = 15) -> dict:
    """Every size's page times, written to bench/results/audit-events-latest.json."""
    result = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "sizes": []}
    for rows in sizes:
        print(f"-- auditEvents over {rows:,} events", file=sys.stderr, flush=True)
        result["sizes"].append(run_size(rows, repeats))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "audit-events-latest.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print("\n".join(table(measure(args.sizes, args.repeats))))


if __name__ == "__main__":
    main()
