"""What a deployment must carry for 10k, 100k and 1M users, and what it takes,
derived from the per-core figures of one `make bench` run (its JSON), not guessed.

    python bench/capacity.py bench/results/postgresql.json

The load model's assumptions are the constants below, each stated in
docs/performance.md; change them for another organisation. The run's server is
pinned to one core, so its requests/s are per core.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

# The load model (docs/performance.md, "Capacity").
ACTIVE_SHARE = 0.4  # of the users, active on a working day
LOGINS_PER_ACTIVE_USER = 1.0  # password logins a day (sessions last 14 days: an upper bound)
PEAK_HOUR_SHARE = 0.2  # of a day's logins, in its busiest hour (the start of the working day)
ONLINE_AT_PEAK = 1 / 3  # of the day's active users, online at the same moment at peak
CALLS_PER_ONLINE_USER_PER_MIN = 1.0  # GraphQL calls that check a token (me, sessions, ...)
BURST = 2.0  # the busiest minute against its hour's average
REFRESH_EVERY_S = 600  # OIDC access tokens live 10 minutes; a signed-in app refreshes once per
# Sizing.
TARGET_UTILISATION = 0.6  # of each core, leaving room for failover and bursts
INSTANCE_VCPUS = 2
THREADS_PER_CORE = 4  # gunicorn gthread: 1 worker × 4 threads per vCPU, as the bench runs
ARGON2_MIB = 100
PG_MAX_CONNECTIONS = 100  # PostgreSQL's default
TOUCH_INTERVAL_S = 60  # "last used" is written at most once a minute per token

USERS = (10_000, 100_000, 1_000_000)


def per_core(result: dict) -> dict:
    """The run's per-core rates: its server runs on one core."""
    if not result.get("pinning", {}).get("server cores"):
        raise SystemExit("this run's server was not pinned to one core: its requests/s are not per core")
    factors = result["factors"]
    return {
        "worker RSS (MiB)": result["peak_rss_mb_one_worker"]["after `me`"],
        "token check": result["me"]["service"]["rps"],
        "password login": result["login"]["logins_per_s_ours"],
        "password login, Keycloak's Argon2": result["login"]["logins_per_s_keycloak_params"],
        "OIDC refresh": result["provider"]["token endpoint, code exchange"]["rps"],
        "introspection": result["provider"]["introspection"]["rps"],
        "verifyMfa": factors["verifyMfa (TOTP)"]["rps"],
    }


def load(users: int) -> dict:
    active = users * ACTIVE_SHARE
    online = active * ONLINE_AT_PEAK
    return {
        "password login": active * LOGINS_PER_ACTIVE_USER * PEAK_HOUR_SHARE / 3600 * BURST,
        "token check": online * CALLS_PER_ONLINE_USER_PER_MIN / 60 * BURST,
        "OIDC refresh": online / REFRESH_EVERY_S * BURST,
        "online": online,
    }


def plan(users: int, rates: dict, *, keycloak: bool = False) -> dict:
    peak = load(users)
    login_rate = rates["password login, Keycloak's Argon2" if keycloak else "password login"]
    cores = {
        "token checks": peak["token check"] / rates["token check"],
        "password logins": peak["password login"] / login_rate,
        "OIDC refreshes": peak["OIDC refresh"] / rates["OIDC refresh"],
    }
    busy = sum(cores.values()) / TARGET_UTILISATION
    instances = max(2, math.ceil(busy / INSTANCE_VCPUS))  # two at least: one may fail
    # Each thread may hold one Argon2 hash's memory at a burst of logins.
    threads = INSTANCE_VCPUS * THREADS_PER_CORE
    memory = rates["worker RSS (MiB)"] * INSTANCE_VCPUS + (7 if keycloak else ARGON2_MIB) * threads
    connections = instances * INSTANCE_VCPUS * THREADS_PER_CORE
    return {
        "peak": peak,
        "cores": cores,
        "instances": instances,
        "memory_mib_per_instance": memory,
        "db_connections": connections,
        "touch_writes_per_s": peak["online"] / TOUCH_INTERVAL_S,
    }


def table(result: dict) -> str:
    rates = per_core(result)
    plans = [plan(users, rates) for users in USERS]
    keycloak = [plan(users, rates, keycloak=True) for users in USERS]

    def row(label: str, values) -> str:
        return f"| {label} | " + " | ".join(values) + " |"

    rows = [
        row("", (f"{users:,} users" for users in USERS)),
        "| --- |" + " --- |" * len(USERS),
        row("peak token checks (req/s)", (f"{p['peak']['token check']:,.0f}" for p in plans)),
        row("peak password logins (/s)", (f"{p['peak']['password login']:,.1f}" for p in plans)),
        row("peak OIDC refreshes (/s)", (f"{p['peak']['OIDC refresh']:,.1f}" for p in plans)),
        row("cores busy: token checks", (f"{p['cores']['token checks']:.2f}" for p in plans)),
        row("cores busy: password logins (Argon2)", (f"{p['cores']['password logins']:.2f}" for p in plans)),
        row("cores busy: OIDC refreshes", (f"{p['cores']['OIDC refreshes']:.2f}" for p in plans)),
        row(
            f"instances of {INSTANCE_VCPUS} vCPU at {TARGET_UTILISATION:.0%} (two at least)",
            (str(p["instances"]) for p in plans),
        ),
        row(
            "memory per instance, at most (workers + one Argon2 hash per thread)",
            (f"{p['memory_mib_per_instance'] / 1024:.1f} GiB" for p in plans),
        ),
        row(
            "the same with Keycloak's Argon2 parameters",
            (f"{p['memory_mib_per_instance'] / 1024:.2f} GiB" for p in keycloak),
        ),
        row(f"PostgreSQL connections (of {PG_MAX_CONNECTIONS} by default)", (str(p["db_connections"]) for p in plans)),
        row('"last used" writes at peak (/s)', (f"{p['touch_writes_per_s']:,.0f}" for p in plans)),
        row("instances with Keycloak's Argon2 parameters", (str(p["instances"]) for p in keycloak)),
    ]
    used = ", ".join(f"{name} {rate:,.1f}" + ("" if "MiB" in name else "/s") for name, rate in rates.items())
    return f"Per-core rates of the run of {result['when']} ({result['database']}): {used}.\n\n" + "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="a make bench JSON, e.g. bench/results/postgresql.json")
    print(table(json.loads(parser.parse_args().results.read_text())))


if __name__ == "__main__":
    main()
