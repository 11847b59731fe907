"""How an OpenID client's secret is kept.

allauth keeps a client's secret through Django's `make_password`, which for this
service is Argon2 with 100 MiB per hash: right for a password a person chose,
but here it would put that cost on every token request of a confidential client,
and hand anyone who can reach the token endpoint a way to spend the server's
memory. The secrets this service generates carry 256 random bits, which no
guessing reaches, so a SHA-256 digest keeps them as safely as a slow hash would
(the same reasoning as the session tokens' digests, users/tokens.py).
"""

from __future__ import annotations

import hmac

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.translation import gettext_noop as _

from users import tokens


class ClientSecretHasher(BasePasswordHasher):
    """SHA-256 of a generated high-entropy secret. Listed last in
    PASSWORD_HASHERS, so it verifies only the hashes made with it by name
    (`provider.clients.set_secret`) and never hashes a password."""

    algorithm = "client_secret_sha256"

    def salt(self) -> str:
        return ""  # the secret is random; a salt adds nothing

    def encode(self, password: str, salt: str) -> str:
        return f"{self.algorithm}${tokens.digest(password)}"

    def decode(self, encoded: str) -> dict:
        algorithm, digest = encoded.split("$", 1)
        return {"algorithm": algorithm, "hash": digest, "salt": ""}

    def verify(self, password: str, encoded: str) -> bool:
        return hmac.compare_digest(encoded, self.encode(password, ""))

    def safe_summary(self, encoded: str) -> dict:
        return {_("algorithm"): self.algorithm, _("hash"): mask_hash(self.decode(encoded)["hash"])}

    def harden_runtime(self, password: str, encoded: str) -> None:
        pass
