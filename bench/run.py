"""`make bench`: the service against its ceiling and its REST peer, side by side.

Starts the service under gunicorn on 127.0.0.1 with DEBUG=0 (PostgreSQL when
DATABASE_URL is set, a fresh SQLite file otherwise), seeds users and tokens, and
drives it with wrk from another process, the server and the load generator
pinned to different cores. Each figure that is compared with another is measured
in the same run, interleaved; beside requests/s, the CPU instructions of one
request, counted by callgrind, which no neighbour can move. Prints one table and
writes it as JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import audit_events, factors, federation, imports, instructions, provider, queue  # noqa: E402
from provider.keys import generate_pem  # noqa: E402  (the project, without Django set up)

RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
STARTED = time.monotonic()
# The cores the server runs on and the cores the load comes from (main sets them).
PINNING = {"server": [], "load": []}


def step(message: str) -> None:
    """Progress, as the run goes: a full run takes minutes."""
    print(f"[{time.monotonic() - STARTED:5.0f} s] {message}", flush=True)


def pin(cores: str | None) -> None:
    """Server on some cores, load generator and clients on the others: on a
    machine of two cores, one each, so neither slows the other down."""
    available = sorted(os.sched_getaffinity(0))
    if cores == "none" or len(available) < 2:
        return
    server, load = cores.split("/") if cores else (str(available[0]), ",".join(map(str, available[1:])))
    PINNING["server"] = ["taskset", "-c", server]
    PINNING["load"] = ["taskset", "-c", load]
    os.sched_setaffinity(0, {int(c) for c in load.split(",")})  # this process's clients, and what it starts


ME = "{ me { id email emailVerified } }"
USERS = 100
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> tuple[str, str]:
    """A fresh database for this run: (its URL, a label for the table)."""
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(given)
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "gql_auth_bench" WITH (FORCE)')
            conn.execute('CREATE DATABASE "gql_auth_bench"')
        version = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
        return urlunsplit(parts._replace(path="/gql_auth_bench")), version or "PostgreSQL"
    path = RESULTS / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    import sqlite3

    return f"sqlite:///{path}", f"SQLite {sqlite3.sqlite_version}"


def empty_cache() -> None:
    """A run starts with an empty Redis database, as it starts with a fresh SQL one."""
    if os.environ.get("REDIS_URL"):
        import redis

        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()


def bench_env(db_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=db_url,
        DEBUG="0",
        SECRET_KEY="bench-" + "s" * 50,
        OIDC_PRIVATE_KEY=generate_pem(),
        ALLOWED_HOSTS="127.0.0.1",
        RATE_LIMITS_DISABLED="1",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        # WebAuthn needs a host name; the passkey figures sign for it.
        PUBLIC_URL="http://localhost:8000",
    )
    return env


# What `code` prints reaches stdout; what Django writes there (console emails,
# the audit log's JSON lines, some sent after the script's end) goes to stderr.
PRELUDE = """
import builtins, functools, sys
builtins.print = functools.partial(builtins.print, file=sys.stdout)
sys.stdout = sys.stderr
import django
django.setup()
"""


def django(env: dict, code: str, *args: str) -> str:
    """Run `code` in a fresh Django process; return the last line it prints."""
    script = PRELUDE + code
    result = subprocess.run(
        [PYTHON, "-c", script, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    if result.returncode:
        raise RuntimeError(result.stderr[-3000:])
    return result.stdout.strip().splitlines()[-1]


SEED = """
import json, secrets, sys
from datetime import timedelta
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from rest_framework.authtoken.models import Token
from users import tokens
from users.models import AuthToken, User

users_count, password = int(sys.argv[1]), sys.argv[2]
encoded = make_password(password)  # one Argon2 hash, shared: seeding is not what is measured
User.objects.bulk_create([User(email=f"user{n:04}@example.com", password=encoded) for n in range(users_count)])
users = list(User.objects.order_by("pk"))
EmailAddress.objects.bulk_create(
    [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users])
Token.objects.bulk_create([Token(user=u, key=secrets.token_hex(20)) for u in users])
root = User.objects.create_superuser("root@example.com", password)
root.password = encoded
root.save()
now = timezone.now()
secrets_by_user = {}
rows = []
for user in [*users, root]:
    secret = tokens.generate_secret()
    secrets_by_user[user.email] = secret
    rows.append(AuthToken(user=user, digest=tokens.digest(secret), password_digest=user.password_digest,
                          created_at=now, authenticated_at=now, last_used_at=now,
                          expires_at=now + timedelta(days=14)))
AuthToken.objects.bulk_create(rows)
print(json.dumps({
    "secret": secrets_by_user[users[0].email],
    "root_secret": secrets_by_user[root.email],
    "drf_key": Token.objects.get(user=users[0]).key,
    "email": users[0].email,
}))
"""

FILL = """
import secrets, sys
from datetime import timedelta
from django.db import connection, transaction
from django.utils import timezone
from users.models import AuthToken, User

wanted = int(sys.argv[1])
missing = wanted - AuthToken.objects.count()
user_ids = list(User.objects.values_list("pk", flat=True))
now = timezone.now()
expires = now + timedelta(days=14)
columns = ("digest, password_digest, user_id, created_at, authenticated_at, expires_at, last_used_at, "
           "user_agent, ip_address, authenticated_with_factor, methods")
batch = 20_000
with transaction.atomic(), connection.cursor() as cursor:  # one commit, not one per row
    raw = cursor.cursor
    for start in range(0, missing, batch):
        rows = [(secrets.token_hex(32), "-", user_ids[(start + i) % len(user_ids)], now, now, expires, now,
                 "bench", None, False, "pwd")
                for i in range(min(batch, missing - start))]
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY users_authtoken ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO users_authtoken ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
    if connection.vendor == "postgresql":
        cursor.execute("ANALYZE users_authtoken")
print(AuthToken.objects.count())
"""

QUERIES = """
import json, sys
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

secret, root_secret, email, password = sys.argv[1:5]
client = Client(HTTP_HOST="127.0.0.1")

def count(query, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    client.post("/graphql/", {"query": query}, content_type="application/json", **headers)  # warm
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/graphql/", {"query": query}, content_type="application/json", **headers)
    assert response.status_code == 200 and "errors" not in response.json(), response.content
    return len(captured)

login = 'mutation { login(email: "%s", password: "%s") { token } }' % (email, password)
register = 'mutation { register(email: "new-%s@example.com", password: "%s") { success } }'
with CaptureQueriesContext(connection) as captured:
    client.post("/graphql/", {"query": register % ("a", password)}, content_type="application/json")
with CaptureQueriesContext(connection) as captured:
    response = client.post("/graphql/", {"query": register % ("b", password)}, content_type="application/json")
register_queries = len(captured)
print(json.dumps({
    "me": count("{ me { id email emailVerified } }", secret),
    "login": count(login),
    "register": register_queries,
    "users(first: 50)": count("{ users(first: 50) { id email emailVerified lastLogin } }", root_secret),
}))
"""

ARGON2 = """
import json, statistics, time
from django.contrib.auth.hashers import check_password, make_password
encoded = make_password("correct horse battery staple")
times = []
for _ in range(15):
    started = time.perf_counter()
    check_password("correct horse battery staple", encoded)
    times.append(time.perf_counter() - started)
print(json.dumps({"median_s": statistics.median(times)}))
"""


@contextmanager
def server(env: dict, workers: int, worker_class: str, threads: int):
    port = free_port()
    log = open(RESULTS / "server.log", "ab")  # noqa: SIM115 (the server writes it until stopped)
    command = [
        *PINNING["server"],
        PYTHON,
        "-m",
        "gunicorn",
        "bench.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--backlog",
        "512",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("gunicorn did not start; see bench/results/server.log")
    try:
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def peak_rss_mb(master_pid: int) -> float:
    children = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
    return round(max(peaks), 1)


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(url: str, seconds: int, connections: int, method="GET", body="", auth="", content_type="") -> dict:
    env = {**os.environ, "BENCH_METHOD": method, "BENCH_BODY": body, "BENCH_AUTH": auth}
    if content_type:
        env["BENCH_CONTENT_TYPE"] = content_type
    out = subprocess.run(
        [
            *PINNING["load"],
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench" / "request.lua"),
            url,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout

    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors or "Socket errors" in out:
        raise RuntimeError(f"wrk saw failures at {url}:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
    }


def median_of(runs: list[dict]) -> dict:
    return {key: round(statistics.median(run[key] for run in runs), 2) for key in runs[0]}


def commit() -> str:
    """The code measured: its commit, marked when the tree has uncommitted changes."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if git("status", "--porcelain") else "")


def machine() -> dict:
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    memory = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
    from importlib.metadata import version

    import django
    import strawberry

    return {
        "cpu": cpu.group(1).strip() if cpu else platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "python": platform.python_version(),
        "django": django.get_version(),
        "strawberry": strawberry.__version__ if hasattr(strawberry, "__version__") else version("strawberry-graphql"),
        "strawberry_django": version("strawberry-graphql-django"),
        "gunicorn": version("gunicorn"),
    }


ME_LABELS = {
    "service": "service, `POST /graphql/` me",
    "ceiling": "ceiling, bare Django view",
    "dj-rest-auth": "dj-rest-auth, `GET /auth/user/`",
}


def seed(env: dict) -> dict:
    """The migrated database, its users and their tokens, the token table at 1,000 rows."""
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
    seeded = json.loads(django(env, SEED, str(USERS), PASSWORD))
    django(env, FILL, "1000")
    return seeded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per compared figure")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--scale-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--cores", help="SERVER/LOAD cores for taskset, e.g. 0/1 (default: the first for the server); none: no pinning"
    )
    parser.add_argument("--provider-only", action="store_true", help="only the OpenID provider's figures")
    parser.add_argument("--factors-only", action="store_true", help="only the second factors' figures")
    parser.add_argument("--instructions-only", action="store_true", help="only the callgrind instruction counts")
    parser.add_argument(
        "--audit-events-only", action="store_true", help="only auditEvents at 10k and 10M events (PostgreSQL)"
    )
    parser.add_argument("--queue-only", action="store_true", help="only the durable queue's figures")
    parser.add_argument("--imports-only", action="store_true", help="only import_users' figures and imported logins")
    parser.add_argument(
        "--federation-only", action="store_true", help="only the external sign-in's callback and its parts"
    )
    args = parser.parse_args()
    if args.audit_events_only:
        print("\n".join(audit_events.table(audit_events.measure())))
        return
    if args.queue_only:
        print("\n".join(queue.table(queue.measure())))
        return
    if args.imports_only:
        print("\n".join(imports.table(imports.measure())))
        return
    if args.federation_only:
        print("\n".join(federation.table(federation.measure())))
        return
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (make bench does it)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "server.log").write_text("")
    pin(args.cores)

    db_url, db_label = database_url()
    empty_cache()
    env = bench_env(db_url)
    step(f"seeding {USERS} users on {db_label}")
    seeded = seed(env)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "database": db_label,
        "server": f"gunicorn, {args.workers} workers, {args.worker_class}"
        + (f" × {args.threads} threads" if args.worker_class == "gthread" else ""),
        "pinning": {"server cores": PINNING["server"][2:3], "load cores": PINNING["load"][2:3]},
        "commit": commit(),
    }

    def write(name: str) -> None:
        result["seconds"] = round(time.monotonic() - STARTED)
        (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")

    if args.instructions_only:
        result["instructions"] = count_instructions(env, seeded, required=True)
        write("instructions-latest.json")
        print("\n".join(instructions.table(result["instructions"])))
        return
    if args.provider_only or args.factors_only:
        with server(env, args.workers, args.worker_class, args.threads) as (base, process):
            if args.provider_only:
                step("the OpenID provider's paths")
                result["provider"] = provider_figures(env, base, seeded, args)
            if args.factors_only:
                step("second factors: verifyMfa and passkey logins")
                result["factors"] = factor_figures(env, base, args)
        write("provider-latest.json" if args.provider_only else "factors-latest.json")
        lines = provider_table(result["provider"]) if args.provider_only else factors_table(result["factors"])
        print("\n".join(lines))
        return

    step("SQL queries per request, one Argon2 verify")
    queries = json.loads(django(env, QUERIES, seeded["secret"], seeded["root_secret"], seeded["email"], PASSWORD))
    argon2 = json.loads(django(env, ARGON2))["median_s"] * 1000

    me_body = json.dumps({"query": ME})
    login = 'mutation { login(email: "' + seeded["email"] + '", password: "' + PASSWORD + '") { token } }'
    login_body = json.dumps({"query": login})
    with server(env, args.workers, args.worker_class, args.threads) as (base, process):
        endpoints = {
            "service": dict(url=f"{base}/graphql/", method="POST", body=me_body, auth=f"Token {seeded['secret']}"),
            "ceiling": dict(url=f"{base}/bench/me", auth=f"Token {seeded['secret']}"),
            "dj-rest-auth": dict(url=f"{base}/auth/user/", auth=f"Token {seeded['drf_key']}"),
        }

        def measure(name: str, seconds: int) -> dict:
            spec = endpoints[name]
            return wrk(
                spec["url"], seconds, args.connections, spec.get("method", "GET"), spec.get("body", ""), spec["auth"]
            )

        names = list(endpoints)
        step("`me`: warming every worker, connection and cache")
        for _ in range(2):  # the first seconds run slow
            for name in names:
                measure(name, 3)
        runs = {name: [] for name in endpoints}
        for round_ in range(args.rounds):  # each round in another order, so no endpoint always goes first
            step(f"`me`: round {round_ + 1} of {args.rounds} (service, ceiling, dj-rest-auth interleaved)")
            for name in names[round_ % 3 :] + names[: round_ % 3]:
                runs[name].append(measure(name, args.seconds))
        me = {name: median_of(result) for name, result in runs.items()}

        rss_me = peak_rss_mb(process.pid)  # before any login: an Argon2 hash holds 100 MiB
        step("`login`, one connection")
        login = wrk(f"{base}/graphql/", args.seconds, 1, "POST", login_body)
        step(f"`login` throughput, {args.connections} connections, this service's Argon2 parameters")
        logins_ours = wrk(f"{base}/graphql/", 2 * args.seconds, args.connections, "POST", login_body)

        service = endpoints["service"]
        step("`me` with 1,000 token rows")
        scale_small = median_of(
            [wrk(service["url"], args.seconds, args.connections, "POST", me_body, service["auth"]) for _ in range(2)]
        )
        step(f"filling the token table to {args.scale_rows:,} rows")
        rows = int(django(env, FILL, str(args.scale_rows)).strip())
        step(f"`me` with {rows:,} token rows")
        scale_large = median_of(
            [wrk(service["url"], args.seconds, args.connections, "POST", me_body, service["auth"]) for _ in range(2)]
        )
        rss = peak_rss_mb(process.pid)
        step("the OpenID provider's paths")
        oidc = provider_figures(env, base, seeded, args)
        step("second factors: verifyMfa and passkey logins")
        second_factors = factor_figures(env, base, args)
    with server({**env, "BENCH_ARGON2": "keycloak"}, args.workers, args.worker_class, args.threads) as (base, _):
        step(f"`login` throughput, {args.connections} connections, Keycloak's Argon2 parameters")
        wrk(f"{base}/graphql/", 2, 1, "POST", login_body)  # the first login upgrades the hash to them
        logins_keycloak = wrk(f"{base}/graphql/", 2 * args.seconds, args.connections, "POST", login_body)

    counted = count_instructions(env, seeded, required=False)
    result.update(
        {
            "load": f"wrk, 1 thread, {args.connections} connections, {args.seconds} s × {args.rounds} "
            "interleaved rounds",
            "me": me,
            "ratios": {
                "service / ceiling": round(me["service"]["rps"] / me["ceiling"]["rps"], 2),
                "service / dj-rest-auth": round(me["service"]["rps"] / me["dj-rest-auth"]["rps"], 2),
            },
            "instructions": counted,
            "login": {
                "p50_ms": login["p50_ms"],
                "argon2_verify_ms": round(argon2, 2),
                "p50 / argon2 verify": round(login["p50_ms"] / argon2, 2),
                "logins_per_s_ours": logins_ours["rps"],
                "logins_per_s_keycloak_params": logins_keycloak["rps"],
            },
            "sql_queries_per_request": queries,
            "scale": {
                "rps_1000_tokens": scale_small["rps"],
                f"rps_{rows}_tokens": scale_large["rps"],
                "ratio": round(scale_large["rps"] / scale_small["rps"], 2),
            },
            "peak_rss_mb_one_worker": {"after `me`": rss_me, "after logins": rss},
            "provider": oidc,
            "factors": second_factors,
        }
    )
    if db_label != "SQLite":
        step("auditEvents over 10k and 10M security events (databases of their own)")
        result["audit_events"] = audit_events.measure()
    step("the durable queue: queueing, mails and webhook deliveries per worker")
    result["queue"] = queue.measure()
    step("moving in: import_users of 100,000 and 1,000,000 rows, imported accounts' logins")
    result["imports"] = imports.measure()
    step("signing in through another provider: the callback beside a token request and an RS256 check")
    result["federation"] = federation.measure()
    write(f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json")
    write("latest.json")
    step(f"written to {RESULTS.relative_to(ROOT)}/latest.json")
    print(table(result))
    if "audit_events" in result:
        print("\n".join(audit_events.table(result["audit_events"])))
    print("\n".join(queue.table(result["queue"])))
    print("\n".join(imports.table(result["imports"])))
    print("\n".join(federation.table(result["federation"])))


def count_instructions(env: dict, seeded: dict, *, required: bool) -> dict | None:
    if not instructions.available():
        if required:
            sys.exit("valgrind is missing: apt-get install valgrind")
        step("valgrind is missing: no instruction counts (apt-get install valgrind)")
        return None
    return instructions.per_request(env, PYTHON, seeded["secret"], seeded["drf_key"], progress=step)


def table(r: dict) -> str:
    pinned = r["pinning"]
    where = (
        f"server on core {pinned['server cores'][0]}, load on core {pinned['load cores'][0]}"
        if pinned["server cores"]
        else "server and load unpinned"
    )
    lines = [
        f"gql-auth benchmark, {r['when']}: {r['machine']['cpu']}, {r['machine']['cores']} cores, "
        f"{r['database']}, {r['server']}, {where}; {r['load']}",
        "",
        "| `me` | req/s | p50 | p99 | instructions per request |",
        "| --- | --- | --- | --- | --- |",
    ]
    counts = (r.get("instructions") or {}).get("instructions_per_request", {})
    for name, m in r["me"].items():
        count = f"{counts[name] / 1e6:.2f} M" if name in counts else "n/a"
        lines.append(f"| {ME_LABELS[name]} | {m['rps']:.0f} | {m['p50_ms']:.2f} ms | {m['p99_ms']:.2f} ms | {count} |")
    lines += ["", "| ratio | by requests/s | by instructions | target |", "| --- | --- | --- | --- |"]
    by_instructions = (r.get("instructions") or {}).get("ratios", {})
    targets = {
        "service / ceiling": "≥ 0.85 by requests/s; ≥ 0.83 by instructions (within 1.2×)",
        "service / dj-rest-auth": "≥ 1.3",
    }
    for name, target in targets.items():
        counted = f"{by_instructions[name]:.2f}" if name in by_instructions else "n/a"
        lines.append(f"| {name} | {r['ratios'][name]:.2f} | {counted} | {target} |")
    for name, target in instructions.TARGETS_30.items():
        if name in by_instructions:
            lines.append(f"| `me` {name.removeprefix('service ')} | | {by_instructions[name]:.2f} | {target} |")
    lines += ["", "| figure | value |", "| --- | --- |"]
    login = r["login"]
    lines.append(f"| `login` p50 (1 connection) | {login['p50_ms']:.1f} ms |")
    lines.append(f"| one Argon2 verify, same run | {login['argon2_verify_ms']:.1f} ms |")
    lines.append(f"| ratio login p50 / Argon2 verify | {login['p50 / argon2 verify']:.2f} |")
    lines.append(
        f"| `login` throughput, this service's Argon2 (t=2, m=100 MiB, p=8) | "
        f"{login['logins_per_s_ours']:.1f} logins/s |"
    )
    lines.append(
        f"| `login` throughput, Keycloak's Argon2 (t=5, m=7 MiB, p=1) | "
        f"{login['logins_per_s_keycloak_params']:.1f} logins/s |"
    )
    for name, count in r["sql_queries_per_request"].items():
        lines.append(f"| SQL queries, `{name}` | {count} |")
    scale = r["scale"]
    keys = [k for k in scale if k.startswith("rps_")]
    lines.append(f"| `me` with 1,000 token rows | {scale[keys[0]]:.0f} req/s |")
    lines.append(f"| `me` with {keys[1].split('_')[1]} token rows | {scale[keys[1]]:.0f} req/s |")
    lines.append(f"| ratio large / small | {scale['ratio']:.2f} |")
    for when, rss in r["peak_rss_mb_one_worker"].items():
        lines.append(f"| peak RSS of one worker, {when} | {rss} MB |")
    lines.extend(provider_table(r["provider"]))
    lines.extend(factors_table(r["factors"]))
    lines.append(f"| whole run | {r['seconds']} s |")
    return "\n".join(lines)


def factor_figures(env: dict, base: str, args) -> dict:
    return factors.figures(django=django, env=env, base=base, password=PASSWORD, connections=args.connections)


def factors_table(f: dict) -> list[str]:
    local = f["per core, in process"]
    mfa, passkey = f["verifyMfa (TOTP)"], f["passkey login (options + loginWithPasskey)"]
    return [
        f"| `verifyMfa` with a TOTP code | {mfa['rps']:.0f} req/s |",
        f"| passkey login (`webauthnOptions` + `loginWithPasskey`) | {passkey['rps']:.0f} req/s, "
        f"{passkey['logins_per_s']:.0f} logins/s |",
        f"| TOTP check (one HMAC-SHA1, verifyMfa's floor), per core | {local['totp_check_per_s']:.0f} /s |",
        f"| P-256 signature check (a passkey login's floor), per core | {local['p256_verify_per_s']:.0f} /s |",
        f"| memory one Argon2 hash holds (m = {local['argon2_memory_cost_mib']:.0f} MiB) | "
        f"{local['argon2_memory_mib']:.0f} MiB of RSS |",
    ]


def provider_figures(env: dict, base: str, seeded: dict, args) -> dict:
    return provider.figures(
        django=django,
        env=env,
        wrk=wrk,
        base=base,
        email=seeded["email"],
        password=PASSWORD,
        seconds=args.seconds,
        connections=args.connections,
    )


def provider_table(p: dict) -> list[str]:
    local = p["per core, in process"]
    ours, keycloak = local["argon2_ours_params"], local["argon2_keycloak_params"]
    lines = []
    for name in (
        "token endpoint, client credentials",
        "token endpoint, code exchange",
        "token endpoint, refresh grant",
        "introspection",
    ):
        figure = p[name]
        latency = f", p50 {figure['p50_ms']:.2f} ms" if "p50_ms" in figure else ""
        lines.append(f"| {name} | {figure['rps']:.0f} req/s{latency} |")
    lines.append(f"| RS256 signature (a token's floor), per core | {local['rs256_sign_per_s']:.0f} /s |")
    lines.append(f"| back-channel logout token, made and signed, per core | {local['logout_token_per_s']:.0f} /s |")
    lines.append(
        f"| back-channel logout delivered to a loopback receiver, per core (CPU of the sender) "
        f"| {local['backchannel_delivery_per_s']:.0f} /s |"
    )
    lines.append(f"| RS256 verification, raw, per core | {local['rs256_verify_per_s']:.0f} /s |")
    lines.append(f"| JWT verification (PyJWT, JWKS key), per core | {local['pyjwt_verify_per_s']:.0f} /s |")
    lines.append(
        f"| password hashes, this service's Argon2 (t={ours['time_cost']}, m={ours['memory_kib']} KiB, "
        f"p={ours['parallelism']}), per core | {local['argon2_ours_per_s']:.1f} /s |"
    )
    lines.append(
        f"| password hashes, Keycloak's Argon2 (t={keycloak['time_cost']}, m={keycloak['memory_kib']} KiB, "
        f"p={keycloak['parallelism']}), per core | {local['argon2_keycloak_per_s']:.1f} /s |"
    )
    return lines


if __name__ == "__main__":
    main()
