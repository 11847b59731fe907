"""The password hashes imported accounts bring, checked as they were made.
Each account's first successful login replaces its hash with the service's
Argon2 (Django upgrades any hash not of the first hasher in PASSWORD_HASHERS).
Django's own hashers read Argon2 PHC strings and its PBKDF2 form; these two
read what they do not: bcrypt as Auth0 writes it, and PBKDF2 in PHC form."""

from __future__ import annotations

import base64
import binascii
import hashlib

from django.contrib.auth.hashers import BasePasswordHasher, BCryptPasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare

BCRYPT_MAX_BYTES = 72  # bcrypt reads no further; the bcrypt package refuses longer since 5.0


class ImportedBCryptPasswordHasher(BCryptPasswordHasher):
    """`bcrypt$` + the `$2a$`, `$2b$` or `$2y$` string, checked on the password's
    first 72 bytes, as the system that made it did. Never makes a new hash."""

    def salt(self) -> bytes:
        raise NotImplementedError("Imported hashes only: new passwords use the first hasher.")

    def encode(self, password: str, salt: bytes) -> str:
        bcrypt = self._load_library()
        data = bcrypt.hashpw(password.encode()[:BCRYPT_MAX_BYTES], salt)
        return f"{self.algorithm}${data.decode('ascii')}"

    def verify(self, password: str, encoded: str) -> bool:
        try:
            return super().verify(password, encoded)
        except ValueError:
            return False  # a salt the library refuses matches no password: never a 500 at login

    def must_update(self, encoded: str) -> bool:
        return True


def phc_b64decode(value: str) -> bytes:
    """PHC's base64 (no padding); passlib's variant writes '.' for '+'."""
    value = value.replace(".", "+")
    return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)


def phc_b64encode(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii").rstrip("=")


class PBKDF2SHA256PHCPasswordHasher(BasePasswordHasher):
    """PBKDF2-SHA256 with a salt of any bytes, as PHC strings carry it
    (`$pbkdf2-sha256$i=N,l=L$salt$hash`), which Django's form (a text salt)
    cannot hold: stored as `pbkdf2_sha256_phc$N$salt$hash`."""

    algorithm = "pbkdf2_sha256_phc"

    def salt(self) -> str:
        raise NotImplementedError("Imported hashes only: new passwords use the first hasher.")

    def encode(self, password: str, salt: str, iterations: int = 0) -> str:
        raise NotImplementedError("Imported hashes only: new passwords use the first hasher.")

    def decode(self, encoded: str) -> dict:
        algorithm, iterations, salt, digest = encoded.split("$")
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "iterations": int(iterations), "salt": salt, "hash": digest}

    def verify(self, password: str, encoded: str) -> bool:
        try:
            decoded = self.decode(encoded)
            salt, expected = phc_b64decode(decoded["salt"]), phc_b64decode(decoded["hash"])
            derived = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, decoded["iterations"], len(expected))
        except (ValueError, binascii.Error, OverflowError):
            return False  # a hash that does not parse matches no password: never a 500 at login
        return bool(expected) and constant_time_compare(derived, expected)

    def safe_summary(self, encoded: str) -> dict:
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "iterations": decoded["iterations"],
            "salt": mask_hash(decoded["salt"]),
            "hash": mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded: str) -> bool:
        return True

    def harden_runtime(self, password: str, encoded: str) -> None:
        pass  # always upgraded: never the preferred hasher whose runtime this evens out
