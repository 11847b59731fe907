"""Signing in through another identity provider (federation/): what the
callback costs, beside what it cannot avoid, on loopback:

- the callback (`GET /login/external/<id>/callback`: the state spent, the code
  exchanged at the upstream's token endpoint, the ID token verified against its
  cached JWKS, the account found, a login_code issued);
- its unavoidable parts: one token request to the upstream (the same stand-in
  upstream of tests/federation/stand_in.py, on 127.0.0.1), and one RS256
  verification of the ID token with PyJWT;
- `completeExternalLogin` redeeming the code (a session issued).

In one Django process, production settings (DEBUG off), SQLite. Bounded: it
stops by itself.

    .venv/bin/python bench/federation.py [--sign-ins 300]
    (make bench runs it; BENCH_ARGS=--federation-only runs it alone)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = r"""
import django
django.setup()
import json, statistics, sys, time
from urllib.parse import parse_qs, urlsplit
import jwt, requests
from django.core.management import call_command
from django.test import Client
from federation import upstream as relying_party
from federation.models import IdentityProvider
from tests.federation.stand_in import CLIENT_ID, CLIENT_SECRET, StandIn

count = int(sys.argv[1])
call_command("migrate", verbosity=0)
stand_in = StandIn()
provider = IdentityProvider(slug="corp", name="Corp", issuer=stand_in.url, client_id=CLIENT_ID,
                            trust_email=True, discovery=stand_in.document)
provider.client_secret = CLIENT_SECRET
provider.save()
APP = "http://app.example/signed-in"
COMPLETE = "mutation($c: String!) { completeExternalLogin(code: $c) { success token } }"
browser = Client(SERVER_NAME="127.0.0.1")

def timed(function):
    began = time.perf_counter()
    value = function()
    return time.perf_counter() - began, value

callbacks, completions, exchanges, verifications = [], [], [], []
for n in range(count):
    started = browser.get("/login/external/corp", {"next": APP})
    params = {k: v[0] for k, v in parse_qs(urlsplit(started["Location"]).query).items()}
    code = stand_in.grant(params, sub=f"person-{n % 50}", email=f"person{n % 50}@example.com")
    callback = {"code": code, "state": params["state"]}
    seconds, answer = timed(lambda: browser.get("/login/external/corp/callback", callback))
    assert answer.status_code == 302 and "login_code=" in answer["Location"], answer.content[:300]
    callbacks.append(seconds)
    login_code = parse_qs(urlsplit(answer["Location"]).query)["login_code"][0]
    seconds, done = timed(lambda: browser.post("/graphql/", {"query": COMPLETE, "variables": {"c": login_code}},
                                               content_type="application/json"))
    assert done.json()["data"]["completeExternalLogin"]["success"], done.content[:300]
    completions.append(seconds)
    # The parts: one token request of the same kind (a code with its own PKCE
    # pair), and one RS256 verification of the ID token it brings.
    spare = stand_in.grant({**params, "code_challenge": relying_party.challenge_of("v" * 43)}, sub="spare")
    seconds, tokens = timed(lambda: requests.post(stand_in.document["token_endpoint"], data={
        "grant_type": "authorization_code", "code": spare, "redirect_uri": params["redirect_uri"],
        "code_verifier": "v" * 43}, auth=(CLIENT_ID, CLIENT_SECRET), timeout=5).json())
    exchanges.append(seconds)
    key = relying_party.signing_key(provider, tokens["id_token"])
    seconds, _ = timed(lambda: jwt.decode(tokens["id_token"], key=key, algorithms=["RS256"], audience=CLIENT_ID,
                                          issuer=stand_in.url))
    verifications.append(seconds)
stand_in.close()

ms = lambda values: round(statistics.median(values) * 1000, 2)
parts = ms(exchanges) + ms(verifications)
print(json.dumps({
    "sign_ins": count,
    "callback_ms": ms(callbacks),
    "token_request_ms": ms(exchanges),
    "rs256_verify_ms": ms(verifications),
    "parts_ms": round(parts, 2),
    "callback_over_parts": round(ms(callbacks) / parts, 2),
    "complete_external_login_ms": ms(completions),
}))
"""


def measure(sign_ins: int = 300) -> dict:
    from bench.run import bench_env  # the processes' settings as every bench's: DEBUG off, as deployed

    with tempfile.TemporaryDirectory() as folder:
        env = {**bench_env(f"sqlite:///{folder}/federation.sqlite3"), "LOG_LEVEL": "ERROR"}
        env["CORS_ALLOWED_ORIGINS"] = "http://app.example"
        command = [sys.executable, "-c", MEASURE, str(sign_ins)]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode:
            raise RuntimeError(done.stderr[-3000:])
        return json.loads(done.stdout.strip().splitlines()[-1])


def table(result: dict) -> list[str]:
    return [
        "",
        f"Signing in through another provider (median of {result['sign_ins']}, loopback, SQLite, in process)",
        f"  the callback                         {result['callback_ms']:>8} ms",
        f"  one token request to the upstream    {result['token_request_ms']:>8} ms",
        f"  one RS256 verification (PyJWT)       {result['rs256_verify_ms']:>8} ms",
        f"  callback / (request + verification)  {result['callback_over_parts']:>8}x",
        f"  completeExternalLogin                {result['complete_external_login_ms']:>8} ms",
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sign-ins", type=int, default=300)
    figures = measure(parser.parse_args().sign_ins)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "federation-latest.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("\n".join(table(figures)))
