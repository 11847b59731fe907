"""The second-factor paths in `make bench` (bench/run.py calls `figures`): the
second step of a password login (`verifyMfa` with a TOTP code) and a passkey
login (`webauthnOptions(LOGIN)`, then `loginWithPasskey` with a signed answer).
Each pending login and each challenge works once, so, as for the code exchange,
every request has its own, made beforehand, and a pool of keep-alive connections
spends them. In process, per core, what each path cannot avoid: the HMAC of a
TOTP code and the P-256 signature check of a passkey answer; and the memory
one Argon2 password hash holds."""

from __future__ import annotations

import base64
import hmac
import http.client
import json
import struct
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from tests.softkey import SoftKey

VERIFY_MFA = (
    "mutation($mfaToken: String!, $code: String) { verifyMfa(mfaToken: $mfaToken, code: $code) { success token } }"
)
LOGIN_OPTIONS = "mutation { webauthnOptions(purpose: LOGIN) { success options } }"
LOGIN_WITH_PASSKEY = "mutation($credential: JSON!) { loginWithPasskey(credential: $credential) { success token } }"

# Run in a fresh Django process on the bench database (bench/run.py `django`):
# accounts with a TOTP factor, each with a pending login (the state a right
# password leaves), and accounts whose passkeys are registered through the API
# with software keys, handed back whole for the bench process to sign with.
SEED = """
import json, sys
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.hashers import make_password
from django.test import Client
from factors import stage
from tests.softkey import SoftKey
from users.models import AuthToken, User

count, password, rp_id, origin = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
encoded = make_password(password)

def accounts(kind):
    users = User.objects.bulk_create(
        [User(email=f"{kind}{n:04}@example.com", password=encoded) for n in range(count)])
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users])
    return list(User.objects.filter(email__startswith=kind).order_by("pk"))

client = Client(HTTP_HOST="127.0.0.1")
def gql(query, variables, token):
    response = client.post("/graphql/", {"query": query, "variables": variables}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    body = response.json()
    assert "errors" not in body, body
    return body["data"]

pending = []
for user in accounts("mfa"):
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    pending.append({"mfa_token": stage.open_challenge(user, ("pwd",)), "secret": secret})

keys = []
for user in accounts("passkey"):
    _, token = AuthToken.objects.issue(user)
    options = gql("mutation { webauthnOptions(purpose: REGISTER) { options } }", {}, token)
    key = SoftKey(rp_id, origin)
    answer = key.create(options["webauthnOptions"]["options"]["publicKey"])
    registered = gql('mutation($c: JSON!) { registerPasskey(name: "bench", credential: $c) { success } }',
                     {"c": answer}, token)
    assert registered["registerPasskey"]["success"], registered
    keys.append(key.material())
AuthToken.objects.filter(user__email__startswith="passkey").delete()
print(json.dumps({"pending": pending, "keys": keys}))
"""

IN_PROCESS = """
import json, resource, time
from allauth.mfa.totp.internal.auth import generate_totp_secret, hotp_value
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.auth.hashers import Argon2PasswordHasher

from bench.percore import per_second

secret = generate_totp_secret()
key = ec.generate_private_key(ec.SECP256R1())
message = b"authenticator data and the client data's hash" * 3
signature = key.sign(message, ec.ECDSA(hashes.SHA256()))
public = key.public_key()
hasher = Argon2PasswordHasher()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
hasher.verify("correct horse battery staple", hasher.encode("correct horse battery staple", hasher.salt()))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "totp_check_per_s": per_second(lambda: hotp_value(secret, int(time.time()) // 30)),
    "p256_verify_per_s": per_second(lambda: public.verify(signature, message, ec.ECDSA(hashes.SHA256()))),
    "argon2_memory_mib": round((after - before) / 1024, 1),
    "argon2_memory_cost_mib": hasher.memory_cost / 1024,
}))
"""


def totp_code(secret: str, at: float) -> str:
    """RFC 6238 as allauth checks it: HMAC-SHA1, 30 s steps, 6 digits (allauth's
    own `hotp_value` needs Django set up, which this process does not)."""
    digest = hmac.new(base64.b32decode(secret, casefold=True), struct.pack(">Q", int(at) // 30), "sha1").digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06}"


class Connection:
    """One keep-alive connection posting GraphQL documents."""

    def __init__(self, base: str) -> None:
        address = urlsplit(base)
        self.http = http.client.HTTPConnection(address.hostname, address.port, timeout=30)

    def post(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}})
        self.http.request("POST", "/graphql/", body, {"Content-Type": "application/json"})
        response = self.http.getresponse()
        answer = json.loads(response.read())
        if response.status != 200 or "errors" in answer:
            raise RuntimeError(f"{response.status}: {answer}")
        return answer["data"]


def spend_all(base: str, items: list, threads: int, request) -> dict:
    """`request(connection, item)` for each item once, from `threads` keep-alive
    connections: requests/s, each request counted (a passkey login is two)."""
    shares = [items[n::threads] for n in range(threads)]

    def run(share: list) -> int:
        connection, done = Connection(base), 0
        for item in share:
            done += request(connection, item)
        connection.http.close()
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        requests = sum(pool.map(run, shares))
    seconds = time.perf_counter() - started
    return {"rps": round(requests / seconds, 1), "logins_per_s": round(len(items) / seconds, 1), "requests": requests}


def verify_mfa(connection: Connection, pending: dict) -> int:
    # The service takes a code in its own 30 s step only (MFA_TOTP_TOLERANCE 0):
    # one made in a step's last moments could reach it in the next.
    if time.time() % 30 > 29.5:
        time.sleep(30 - time.time() % 30)
    code = totp_code(pending["secret"], time.time())
    result = connection.post(VERIFY_MFA, {"mfaToken": pending["mfa_token"], "code": code})["verifyMfa"]
    if not result["success"]:
        raise RuntimeError(f"verifyMfa failed: {result}")
    return 1


def passkey_login(connection: Connection, key: SoftKey) -> int:
    options = connection.post(LOGIN_OPTIONS)["webauthnOptions"]["options"]["publicKey"]
    result = connection.post(LOGIN_WITH_PASSKEY, {"credential": key.get(options)})["loginWithPasskey"]
    if not result["success"]:
        raise RuntimeError(f"loginWithPasskey failed: {result}")
    return 2


def figures(*, django, env: dict, base: str, password: str, connections: int, count: int = 300) -> dict:
    rp = urlsplit(env["PUBLIC_URL"])
    seeded = json.loads(django(env, SEED, str(count), password, rp.hostname, f"{rp.scheme}://{rp.netloc}"))
    keys = [SoftKey.from_material(material) for material in seeded["keys"]]
    # A pending login lives 5 minutes and a TOTP code 30 s: both made just before use.
    mfa = spend_all(base, seeded["pending"], connections, verify_mfa)
    passkeys = spend_all(base, keys, connections, passkey_login)
    local = json.loads(django(env, IN_PROCESS))
    return {
        "verifyMfa (TOTP)": mfa,
        "passkey login (options + loginWithPasskey)": passkeys,
        "per core, in process": {k: round(v, 1) for k, v in local.items()},
    }
