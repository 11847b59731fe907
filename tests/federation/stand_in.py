"""A stand-in upstream OpenID Connect provider on 127.0.0.1, for the answers a
real one never gives (a token signed by another key, a wrong nonce, an expired
one): discovery, JWKS, a token endpoint that checks the client, the redirect
URI and PKCE, and UserInfo. The tests grant codes directly (`grant`), as the
provider's login page would after its own sign-in. The real upstream, a second
instance of this service, is in tests/federation/test_second_instance.py."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "gql-auth-downstream"
CLIENT_SECRET = "stand-in-client-secret"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class StandIn:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.document = {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "id_token_signing_alg_values_supported": ["RS256"],
        }
        self.key = new_key()
        self.kid = "stand-in-1"
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.token_requests = 0
        self.other_keys: list[dict] = []  # published before the signing key
        self.served_jwks = None  # what /jwks answers instead of the key set, when set
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def jwks(self) -> dict:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [*self.other_keys, {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def grant(self, params: dict, *, sub="upstream-ada", email="ada@example.com", email_verified=True, **token):
        """A code for the authorization request `params` (as the browser brought
        them), whose ID token will say `sub`, `email`, ...; `token` overrides
        claims (`nonce`, `exp`, `aud`, `iss`), or signs with `key` / names `kid`."""
        code = secrets.token_urlsafe(16)
        claims = {"sub": sub, "email": email, "email_verified": email_verified}
        self.codes[code] = {"params": params, "claims": claims, "token": token}
        return code

    def id_token(self, grant: dict) -> str:
        params, token = grant["params"], dict(grant["token"])
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": params["client_id"],
            "iat": now,
            "exp": now + 300,
            "nonce": params.get("nonce"),
            **grant["claims"],
        }
        key = token.pop("key", self.key)
        kid = token.pop("kid", self.kid)
        without_email = token.pop("without_email", False)
        claims.update(token)
        if without_email:
            claims.pop("email")
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid} if kid else {})

    def token(self, form: dict, authorization: str) -> tuple[int, dict]:
        self.token_requests += 1
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != expected:
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # one use
        if grant is None or form.get("redirect_uri") != grant["params"]["redirect_uri"]:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["params"].get("code_challenge"):
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        access = secrets.token_urlsafe(16)
        self.access_tokens[access] = grant["claims"]
        return 200, {"access_token": access, "token_type": "Bearer", "id_token": self.id_token(grant)}

    def handler(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    return self.answer(200, stand_in.document)
                if self.path == "/jwks":
                    served = stand_in.served_jwks
                    return self.answer(200, stand_in.jwks() if served is None else served)
                if self.path == "/userinfo":
                    bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                    claims = stand_in.access_tokens.get(bearer)
                    return self.answer(200, claims) if claims else self.answer(401, {"error": "invalid_token"})
                return self.answer(404, {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path == "/token":
                    return self.answer(*stand_in.token(form, self.headers.get("Authorization") or ""))
                return self.answer(404, {})

            def log_message(self, *args) -> None:
                pass

        return Handler
