"""Moving in (portability/): how fast `manage.py import_users` imports, how
much memory it holds, and what an imported account's sign-in costs.

- rows per second importing ROWS users (bcrypt hashes, kept, not recomputed),
  and the peak RSS of that process, on SQLite and PostgreSQL (BENCH_PG_URL);
- the peak RSS importing a file of MILLION rows (--dry-run, on SQLite: the
  same reading and checking, a row at a time), which must stay flat;
- the first login of an imported bcrypt account (cost 10, Auth0's) beside
  one bcrypt check plus one Argon2 hash, its parts;
- a failed login: unknown address, imported bcrypt account, account without
  a password, account with the service's Argon2 (docs/security.md: the same).

Production settings (DEBUG off, Argon2 as deployed). Bounded: it stops by itself.

    .venv/bin/python bench/imports.py [--rows 100000] [--million 1000000]
    (make bench runs it; results in bench/results/imports-latest.json)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bcrypt

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PASSWORD = "the password they had at Auth0"

# manage.py in this process, which then says its own peak RSS (KiB, Linux) last on stderr.
PEAK_RSS = r"""
import atexit, resource, runpy, sys
atexit.register(lambda: print(f"PEAK_RSS_KIB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr))
sys.argv = ["manage.py", *sys.argv[1:]]
runpy.run_path("manage.py", run_name="__main__")
"""

LOGINS = r"""
import django
django.setup()
import json, statistics, time
import bcrypt
from django.contrib.auth.hashers import check_password, make_password
from django.test import Client
from allauth.account.models import EmailAddress
from portability.models import Profile
from users.models import User

PASSWORD = "the password they had at Auth0"
LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { success } }'
client = Client(SERVER_NAME="127.0.0.1")
encoded = "bcrypt$" + bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(10)).decode()

def login(email, password):
    started = time.perf_counter()
    answer = client.post("/graphql/", {"query": LOGIN, "variables": {"e": email, "p": password}},
                         content_type="application/json")
    elapsed = (time.perf_counter() - started) * 1000
    return answer.json()["data"]["login"]["success"], elapsed

def account(email, password):
    user = User(email=email)
    user.password = password
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user

def median_ms(function, n=15):
    function()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)

firsts = []
for n in range(10):
    account(f"imported{n}@example.com", encoded)
    ok, elapsed = login(f"imported{n}@example.com", PASSWORD)
    assert ok and User.objects.get(email=f"imported{n}@example.com").password.startswith("argon2$")
    firsts.append(elapsed)
account("bcrypt@example.com", encoded)
account("nopassword@example.com", "!unusable")
account("native@example.com", make_password(PASSWORD))
failed = {}
for label, email in [("unknown address", "nobody@example.com"), ("imported bcrypt", "bcrypt@example.com"),
                     ("imported, no password", "nopassword@example.com"), ("service's Argon2", "native@example.com")]:
    failed[label] = median_ms(lambda: login(email, "a wrong password"))
print(json.dumps({
    "first_login_ms": round(statistics.median(firsts), 1),
    "bcrypt_check_ms": median_ms(lambda: check_password(PASSWORD, encoded)),
    "argon2_hash_ms": median_ms(lambda: make_password(PASSWORD)),
    "failed_login_ms": failed,
}))
"""


def environment(database_url: str) -> dict:
    if str(ROOT) not in sys.path:  # run as a script
        sys.path.insert(0, str(ROOT))
    from bench.run import bench_env  # the processes' settings as every bench's: DEBUG off, as deployed

    return {**bench_env(database_url), "LOG_LEVEL": "ERROR"}


def users_file(path: Path, rows: int) -> None:
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(10)).decode()
    with path.open("w") as out:
        for n in range(rows):
            row = {"email": f"person{n}@example.com", "email_verified": True, "user_id": f"auth0|{n:024x}"}
            out.write(
                json.dumps(
                    {
                        **row,
                        "given_name": "Ada",
                        "custom_password_hash": {"algorithm": "bcrypt", "hash": {"value": hashed}},
                    }
                )
                + "\n"
            )


def import_run(env: dict, path: Path, *args: str) -> dict:
    """Rows per second and peak RSS (MiB) of one `import_users` process."""
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=600)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, "import_users", str(path), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the import bench failed:\n{done.stderr[-3000:]}")
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    peak_kib = int(done.stderr.strip().splitlines()[-1].removeprefix("PEAK_RSS_KIB="))
    rows = summary["created"] + summary["updated"] + summary["unchanged"]
    return {"rows": rows, "rows_per_s": round(rows / elapsed), "peak_rss_mib": round(peak_kib / 1024, 1)}


def postgres(name: str):
    psql = ["psql", ADMIN_URL, "-q", "-v", "ON_ERROR_STOP=1", "-c"]
    if subprocess.run([*psql, "SELECT 1"], capture_output=True).returncode != 0:
        return None
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {name}"], check=True)
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", lambda: subprocess.run(
        [*psql, f"DROP DATABASE {name}"], check=True
    )


def measure(rows: int = 100_000, million: int = 1_000_000) -> dict:
    result = {}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        users_file(folder / "users.ndjson", rows)
        result["SQLite"] = import_run(environment(f"sqlite:///{folder}/imports.sqlite3"), folder / "users.ndjson")
        found = postgres("gql_auth_bench_imports")
        if found:
            url, drop = found
            try:
                result["PostgreSQL"] = import_run(environment(url), folder / "users.ndjson")
            finally:
                drop()
        users_file(folder / "million.ndjson", million)
        result["million_dry_run"] = import_run(
            environment(f"sqlite:///{folder}/million.sqlite3"), folder / "million.ndjson", "--dry-run"
        )
        env = environment(f"sqlite:///{folder}/logins.sqlite3")
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        done = subprocess.run(
            [sys.executable, "-c", LOGINS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
        )
        if done.returncode != 0:
            raise SystemExit(f"the login bench failed:\n{done.stderr[-3000:]}")
        result["logins"] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def table(result: dict) -> list[str]:
    lines = [f"{'import_users':44} {'rows/s':>12} {'peak RSS MiB':>12}"]
    for label in ("SQLite", "PostgreSQL", "million_dry_run"):
        if label in result:
            run = result[label]
            name = (
                f"{label} ({run['rows']:,} rows)" if label != "million_dry_run" else f"--dry-run, {run['rows']:,} rows"
            )
            lines.append(f"{name:44} {run['rows_per_s']:>12} {run['peak_rss_mib']:>12}")
    logins = result["logins"]
    lines.append(f"{'first login, imported bcrypt (cost 10), ms':44} {logins['first_login_ms']:>12}")
    lines.append(
        f"{'  one bcrypt check + one Argon2 hash, ms':44} "
        f"{round(logins['bcrypt_check_ms'] + logins['argon2_hash_ms'], 1):>12}"
    )
    for label, value in logins["failed_login_ms"].items():
        lines.append(f"{'failed login, ' + label + ', ms':44} {value:>12}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--million", type=int, default=1_000_000)
    args = parser.parse_args()
    result = measure(args.rows, args.million)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "imports-latest.json").write_text(json.dumps(result, indent=2) + "\n")
    print("\n".join(table(result)))


if __name__ == "__main__":
    main()
