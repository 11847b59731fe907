"""CPU instructions per request, counted by valgrind's callgrind: a figure that
neighbours on the machine cannot move (issue #16), beside wrk's requests/s.

Each endpoint runs in process through the full Django stack (Django's test
client: middleware, view, database), once with no measured requests and once
with N; the difference divided by N is one request's instructions, start-up
and warm-up cancelled out. PYTHONHASHSEED is fixed so both runs hash alike;
what still varies between runs (clock reads, a token's "last used" write once
a minute) moves the count by well under 0.1%.
"""

from __future__ import annotations

import re
import shutil
import subprocess

REQUESTS = 200

SCRIPT = """
import sys
import django
django.setup()
from django.test import Client
target, n, secret, drf_key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
client = Client(HTTP_HOST="127.0.0.1")
calls = {
    "service": lambda: client.post("/graphql/", {"query": "{ me { id email emailVerified } }"},
                                   content_type="application/json", HTTP_AUTHORIZATION=f"Token {secret}"),
    "ceiling": lambda: client.get("/bench/me", HTTP_AUTHORIZATION=f"Token {secret}"),
    "dj-rest-auth": lambda: client.get("/auth/user/", HTTP_AUTHORIZATION=f"Token {drf_key}"),
}
call = calls[target]
for _ in range(20):  # warm: caches, lazy imports, the first queries
    response = call()
    assert response.status_code == 200, response.content
for _ in range(n):
    call()
"""

TARGETS = ("service", "ceiling", "dj-rest-auth")


def available() -> bool:
    return shutil.which("valgrind") is not None


def total(env: dict, python: str, target: str, n: int, secret: str, drf_key: str) -> int:
    result = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            python,
            "-c",
            SCRIPT,
            target,
            str(n),
            secret,
            drf_key,
        ],
        env={**env, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", result.stderr)
    if result.returncode or not found:
        raise RuntimeError(f"callgrind run of {target} failed:\n{result.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_request(env: dict, python: str, secret: str, drf_key: str, progress=print) -> dict:
    counts = {}
    for target in TARGETS:
        progress(f"· instructions per request: {target} (callgrind, two runs)")
        base = total(env, python, target, 0, secret, drf_key)
        counts[target] = (total(env, python, target, REQUESTS, secret, drf_key) - base) // REQUESTS
    return {
        "instructions_per_request": counts,
        "ratios": {
            "service / ceiling": round(counts["service"] / counts["ceiling"], 2),
            "dj-rest-auth / service": round(counts["dj-rest-auth"] / counts["service"], 2),
        },
    }


def table(figures: dict) -> list[str]:
    counts, ratios = figures["instructions_per_request"], figures["ratios"]
    lines = [f"| `me` instructions per request, {name} | {count / 1e6:.2f} M |" for name, count in counts.items()]
    lines += [f"| instruction ratio {name} | {value:.2f} |" for name, value in ratios.items()]
    return lines
