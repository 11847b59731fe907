"""The OpenID provider's paths in `make bench` (bench/run.py calls `figures`):
the token endpoint (client credentials under wrk; the code exchange and the
refresh grant, whose codes and refresh tokens are single use, from a pool of
threads), introspection under wrk, a back-channel logout's delivery, and, in
process per core, what each cannot avoid: an RS256 signature per token issued,
a verification per token checked, and the password hash of a login, with this
service's Argon2 parameters and with Keycloak's."""

from __future__ import annotations

import base64
import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

REDIRECT_URI = "https://bench.example.org/callback"
FORM = "application/x-www-form-urlencoded"

# Run in a fresh Django process on the bench database (bench/run.py `django`).
SEED = """
import json, sys
from provider import clients
client, secret = clients.create(
    name="bench", redirect_uris=[sys.argv[1]],
    grants=["authorization_code", "refresh_token", "client_credentials"], scopes=["openid", "email", "api"])
print(json.dumps({"client_id": client.id, "client_secret": secret}))
"""

CODES = """
import json, sys
from urllib.parse import parse_qs, urlsplit
from django.test import Client
client_id, email, password, count, redirect_uri = sys.argv[1:6]
browser = Client(HTTP_HOST="127.0.0.1")
assert browser.post("/login", {"step": "password", "email": email, "password": password}).status_code == 302
codes = []
for n in range(int(count)):
    response = browser.get("/identity/o/authorize", {
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": "openid email",
        "state": str(n), "nonce": str(n)})
    codes.append(parse_qs(urlsplit(response["Location"]).query)["code"][0])
print(json.dumps(codes))
"""

IN_PROCESS = """
import json, time
import argon2, jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from allauth.core.internal import jwkkit

from bench.percore import per_second

jwk, key = jwkkit.load_jwk_from_pem(settings.IDP_OIDC_PRIVATE_KEY)
public = key.public_key()
token = jwt.encode({"iss": "x", "sub": "1", "exp": 4102444800, "token_use": "access"}, key, "RS256",
                   headers={"kid": jwk["kid"]})
header, payload, signature = token.split(".")
message = f"{header}.{payload}".encode()
raw_signature = jwt.utils.base64url_decode(signature)
pyjwk = jwt.PyJWK(jwk)

ours = Argon2PasswordHasher()
keycloak = argon2.PasswordHasher(time_cost=5, memory_cost=7168, parallelism=1, type=argon2.Type.ID)
PASSWORD = "correct horse battery staple"
ours_hash = ours.encode(PASSWORD, ours.salt())
keycloak_hash = keycloak.hash(PASSWORD)
pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()
print(json.dumps({
    "rs256_sign_per_s": per_second(lambda: key.sign(message, pkcs1, sha256)),
    "rs256_verify_per_s": per_second(lambda: public.verify(raw_signature, message, pkcs1, sha256)),
    "pyjwt_verify_per_s": per_second(lambda: jwt.decode(token, pyjwk.key, algorithms=["RS256"], issuer="x")),
    "argon2_ours_per_s": per_second(lambda: ours.verify(PASSWORD, ours_hash), 4.0),
    "argon2_ours_params": {
        "time_cost": ours.time_cost, "memory_kib": ours.memory_cost, "parallelism": ours.parallelism},
    "argon2_keycloak_per_s": per_second(lambda: keycloak.verify(keycloak_hash, PASSWORD), 4.0),
    "argon2_keycloak_params": {"time_cost": 5, "memory_kib": 7168, "parallelism": 1},
}))
"""


def basic(client: dict) -> str:
    pair = f"{client['client_id']}:{client['client_secret']}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def redeem_all(base: str, client: dict, grants: list[dict], threads: int) -> tuple[dict, list[dict]]:
    """Each single-use grant (a code's or a refresh token's form) presented
    once, from `threads` keep-alive connections: requests/s, and the answers."""
    host = urlsplit(base)
    shares = [grants[n::threads] for n in range(threads)]
    headers = {"Content-Type": FORM, "Authorization": basic(client)}

    def redeem(share: list[dict]) -> list[dict]:
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        answers = []
        for grant in share:
            connection.request("POST", "/identity/o/api/token", urlencode(grant), headers)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{grant['grant_type']} answered {response.status}")
            answers.append(json.loads(body))
        connection.close()
        return answers

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        answers = [answer for answers in pool.map(redeem, shares) for answer in answers]
    return {"rps": round(len(answers) / (time.perf_counter() - started), 1), "requests": len(answers)}, answers


def figures(*, django, env: dict, wrk, base: str, email: str, password: str, seconds: int, connections: int) -> dict:
    client = json.loads(django(env, SEED, REDIRECT_URI))
    token_url = f"{base}/identity/o/api/token"
    credentials = wrk(token_url, seconds, connections, "POST", "grant_type=client_credentials", basic(client), FORM)
    access_token = json.loads(django(env, TOKEN_FOR, client["client_id"], client["client_secret"]))
    introspection = wrk(
        f"{base}/identity/o/api/introspect",
        seconds,
        connections,
        "POST",
        urlencode({"token": access_token}),
        basic(client),
        FORM,
    )
    # Codes live 60 s: made just before they are redeemed.
    codes = json.loads(django(env, CODES, client["client_id"], email, password, "300", REDIRECT_URI))
    exchanges = [{"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI} for code in codes]
    exchange, answers = redeem_all(base, client, exchanges, threads=connections)
    # Each exchange's refresh token, used once (each use rotates it).
    refreshes = [{"grant_type": "refresh_token", "refresh_token": answer["refresh_token"]} for answer in answers]
    refresh, _ = redeem_all(base, client, refreshes, threads=connections)
    local = json.loads(django(env, IN_PROCESS))
    local.update(json.loads(django(env, BACKCHANNEL)))
    return {
        "token endpoint, client credentials": credentials,
        "token endpoint, code exchange": exchange,
        "token endpoint, refresh grant": refresh,
        "introspection": introspection,
        "per core, in process": {
            name: round(value, 1) if isinstance(value, float) else value for name, value in local.items()
        },
    }


# A back-channel logout's delivery (provider/logout.py): the logout token made
# and signed, POSTed to a receiver answering 200 on a keep-alive-less loopback
# connection, as the service delivers them.
BACKCHANNEL = """
import json, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from bench.percore import per_second
from provider import logout

class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
one = logout.Logout("bench", f"http://127.0.0.1:{server.server_port}/logout", "1", logout.session_id(1))
print(json.dumps({
    "logout_token_per_s": per_second(lambda: logout.logout_token(one)),
    "backchannel_delivery_per_s": per_second(lambda: logout.send(one)),
}))
server.shutdown()
"""


TOKEN_FOR = """
import base64, json, sys
from django.test import Client
client_id, secret = sys.argv[1], sys.argv[2]
auth = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
response = Client(HTTP_HOST="127.0.0.1").post(
    "/identity/o/api/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=auth)
print(json.dumps(response.json()["access_token"]))
"""
