"""CPU instructions per request, counted by valgrind's callgrind: a figure that
neighbours on the machine cannot move (issue #16), beside wrk's requests/s.

Each endpoint runs in process through the full Django stack: the WSGI
application, called as gunicorn calls it (middleware, view, database), with no
test client between. Once with no measured requests and once with N; the
difference divided by N is one request's instructions, start-up and warm-up
cancelled out. PYTHONHASHSEED is fixed so both runs hash alike; what still
varies between runs (clock reads, a token's "last used" write once a minute)
moves the count by well under 0.1%.
"""

from __future__ import annotations

import re
import shutil
import subprocess

REQUESTS = 200

SCRIPT = """
import io, json, sys
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
target, n, secret, drf_key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
import hashlib, urllib.parse
TEXT = "{ me { id email emailVerified } }"
ME = json.dumps({"query": TEXT}).encode()
DIGEST = hashlib.sha256(TEXT.encode()).hexdigest()
PERSISTED = {"persistedQuery": {"version": 1, "sha256Hash": DIGEST}}
BY_HASH = json.dumps({"extensions": PERSISTED}).encode()
REGISTER = json.dumps({"query": TEXT, "extensions": PERSISTED}).encode()

def environ(method, path, authorization, body=b""):
    path, _, query_string = path.partition("?")
    return {
        "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": query_string,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_AUTHORIZATION": authorization, "HTTP_ACCEPT": "application/json",
        "CONTENT_TYPE": "application/json" if body else "", "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }

requests = {
    "service": ("POST", "/graphql/", f"Token {secret}", ME),
    "service GET": ("GET", "/graphql/?" + urllib.parse.urlencode({"query": TEXT}), f"Token {secret}", b""),
    # Automatic persisted query: the hash alone, once the process knows it (warm-up).
    "service persisted": ("POST", "/graphql/", f"Token {secret}", BY_HASH),
    "ceiling": ("GET", "/bench/me", f"Token {secret}", b""),
    "dj-rest-auth": ("GET", "/auth/user/", f"Token {drf_key}", b""),
}
statuses = []

def call():
    response = application(environ(*requests[target]), lambda status, headers, exc_info=None: statuses.append(status))
    body = b"".join(response)
    response.close()
    return body

if target == "service persisted":  # the hash made known, as a client's first miss does
    application(environ("POST", "/graphql/", f"Token {secret}", REGISTER), lambda *args: None)
for _ in range(20):  # warm: caches, lazy imports, the first queries
    body = call()
    assert statuses[-1].startswith("200") and b"user0000@example.com" in body, body
for _ in range(n):
    call()
"""

TARGETS = ("service", "service GET", "service persisted", "ceiling", "dj-rest-auth")


def available() -> bool:
    return shutil.which("valgrind") is not None


def total(
    env: dict, python: str, target: str, n: int, secret: str, drf_key: str, script: str = SCRIPT, collecting=()
) -> int:
    """Callgrind's instruction count of one run of `script` (`collecting`: more
    callgrind options, such as collection off at the start)."""
    result = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            *collecting,
            python,
            "-c",
            script,
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
        progress(f"instructions per request: {target} (callgrind, two runs)")
        base = total(env, python, target, 0, secret, drf_key)
        counts[target] = (total(env, python, target, REQUESTS, secret, drf_key) - base) // REQUESTS
    return {
        "instructions_per_request": counts,
        # As speeds, like the requests/s ratios: the other's instructions over the service's.
        "ratios": {
            "service / ceiling": round(counts["ceiling"] / counts["service"], 2),
            # Issue #30's figures: instructions over the ceiling's (lower is leaner).
            "service POST × ceiling": round(counts["service"] / counts["ceiling"], 2),
            "service GET × ceiling": round(counts["service GET"] / counts["ceiling"], 2),
            "service persisted × ceiling": round(counts["service persisted"] / counts["ceiling"], 2),
            "service / dj-rest-auth": round(counts["dj-rest-auth"] / counts["service"], 2),
        },
    }


# Issue #30's targets, as instructions over the ceiling's.
TARGETS_30 = {
    "service POST × ceiling": "≤ 1.5",
    "service GET × ceiling": "within 5% of POST",
    "service persisted × ceiling": "≤ 1.25",
}


def table(figures: dict) -> list[str]:
    counts, ratios = figures["instructions_per_request"], figures["ratios"]
    lines = [f"| `me` instructions per request, {name} | {count / 1e6:.2f} M |" for name, count in counts.items()]
    lines += [
        f"| speed ratio by instructions, {name} | {value:.2f}"
        + (f" (target {TARGETS_30[name]})" if name in TARGETS_30 else "")
        + " |"
        for name, value in ratios.items()
    ]
    return lines
