"""Auth0's user formats, both ways: a row of its bulk-import schema or of its
password-hash export read into an `Account`, and an account written back as
a bulk-import row (manage.py export_users), so an export imports here again
and into Auth0.

Password hashes are kept as they are, in the form of the hasher that checks
them (portability/hashers.py, Django's Argon2 and PBKDF2): bcrypt (`$2a$`,
`$2b$`, `$2y$`), Argon2 PHC strings, PBKDF2-SHA256 in Django's or PHC form.
Anything else is refused with its reason; a row without a hash makes an
account whose person resets the password.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import argon2

from portability.hashers import phc_b64decode, phc_b64encode
from users.cleaning import clean_email
from users.errors import InvalidInput

ALGORITHMS = ("bcrypt", "argon2", "pbkdf2")
# The salt's 22nd character carries 2 bits: only . O e u are canonical, which bcrypt checks.
BCRYPT = re.compile(r"\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{21}[.Oeu][./A-Za-z0-9]{31}")
ARGON2 = re.compile(r"\$argon2(id|i|d)\$(v=\d+\$)?m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+")
PBKDF2_PHC = re.compile(r"\$pbkdf2-sha256\$i=(\d+)(?:,l=(\d+))?\$([A-Za-z0-9+/.]*)\$([A-Za-z0-9+/.]+)")
PBKDF2_DJANGO = re.compile(r"pbkdf2_sha256\$(\d+)\$([^$]+)\$([A-Za-z0-9+/]+=*)")
# A hash whose check would hold a login for long (each wrong guess costing it) is refused at
# the import: bcrypt 14 and PBKDF2 at 2 M rounds are each about a second here.
MAX_PBKDF2_ITERATIONS = 2_000_000
MAX_PBKDF2_LENGTH = 64
MAX_BCRYPT_COST = 14
MAX_ARGON2_MEMORY_KIB = 1024 * 1024
MAX_ARGON2_TIME = 10
MAX_ARGON2_LANES = 16
MAX_ARGON2_WORK = 4 * 1024 * 1024  # memory (KiB) times passes
NAME_MAX = 150


class RowError(ValueError):
    """Why a row cannot be imported: its message is the report's `reason`."""


@dataclass
class Account:
    email: str
    email_verified: bool = False
    user_id: str | None = None
    given_name: str = ""
    family_name: str = ""
    name: str = ""
    blocked: bool = False
    password: str | None = None  # an encoded hash of one of PASSWORD_HASHERS
    user_metadata: dict = field(default_factory=dict)
    app_metadata: dict = field(default_factory=dict)
    totp_secret: str | None = None  # base32, from `mfa_factors`


def stored_hash(value: object) -> str:
    """The encoded form, for the service's hashers, of a hash as Auth0 writes it."""
    if not isinstance(value, str) or not value:
        raise RowError("The password hash is not a string.")
    if found := BCRYPT.fullmatch(value):
        if not 4 <= int(found[1]) <= MAX_BCRYPT_COST:
            raise RowError(f"The bcrypt cost {int(found[1])} is not within 4 to {MAX_BCRYPT_COST}.")
        return f"bcrypt${value}"
    if ARGON2.fullmatch(value):
        try:
            parameters = argon2.extract_parameters(value)
        except argon2.exceptions.InvalidHashError:
            raise RowError("The Argon2 hash does not parse.") from None
        if (
            parameters.memory_cost > MAX_ARGON2_MEMORY_KIB
            or not 1 <= parameters.time_cost <= MAX_ARGON2_TIME
            or not 1 <= parameters.parallelism <= MAX_ARGON2_LANES
            or parameters.memory_cost * parameters.time_cost > MAX_ARGON2_WORK
        ):
            raise RowError("The Argon2 hash's cost is beyond what a login here checks (1 GiB, 10 passes, 16 lanes).")
        return f"argon2{value}"
    if found := PBKDF2_PHC.fullmatch(value):
        iterations, length, salt, digest = int(found[1]), found[2], found[3], found[4]
        check_iterations(iterations)
        try:
            salt_bytes, digest_bytes = phc_b64decode(salt), phc_b64decode(digest)
        except ValueError:
            raise RowError("The PBKDF2 hash's salt or digest is not base64.") from None
        if length is not None and int(length) != len(digest_bytes):
            raise RowError("The PBKDF2 hash's length does not match its digest.")
        if not 1 <= len(digest_bytes) <= MAX_PBKDF2_LENGTH:
            raise RowError(f"The PBKDF2 hash's digest is not 1 to {MAX_PBKDF2_LENGTH} bytes.")
        return f"pbkdf2_sha256_phc${iterations}${phc_b64encode(salt_bytes)}${phc_b64encode(digest_bytes)}"
    if found := PBKDF2_DJANGO.fullmatch(value):
        check_iterations(int(found[1]))
        return value
    raise RowError("The password hash is in no known format (bcrypt, Argon2, PBKDF2-SHA256).")


def check_iterations(iterations: int) -> None:
    if not 1 <= iterations <= MAX_PBKDF2_ITERATIONS:
        raise RowError(f"The PBKDF2 iteration count {iterations} is not within 1 to {MAX_PBKDF2_ITERATIONS}.")


def password_of(row: dict) -> str | None:
    custom = row.get("custom_password_hash")
    if custom is not None:
        if not isinstance(custom, dict):
            raise RowError("custom_password_hash is not an object.")
        algorithm = custom.get("algorithm")
        if algorithm not in ALGORITHMS:
            raise RowError(f"The hash algorithm {algorithm!r} is not one kept here (bcrypt, argon2, pbkdf2).")
        hashed = custom.get("hash")
        encoded = stored_hash(hashed.get("value") if isinstance(hashed, dict) else None)
        if not encoded.startswith(algorithm):
            raise RowError(f"The hash is not a {algorithm} hash.")
        return encoded
    for key in ("password_hash", "passwordHash"):
        if row.get(key) is not None:
            return stored_hash(row[key])
    return None


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
METADATA_MAX = 16_384  # characters of JSON, per object


def text(row: dict, key: str, limit: int = NAME_MAX) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RowError(f"{key} is not a string.")
    if len(value) > limit:
        raise RowError(f"{key} has more than {limit} characters.")
    if CONTROL.search(value):
        raise RowError(f"{key} holds control characters.")
    return value


def flag(row: dict, key: str) -> bool:
    value = row.get(key, False)
    if not isinstance(value, bool):
        raise RowError(f"{key} is not true or false.")
    return value


def metadata(row: dict, key: str) -> dict:
    value = row.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RowError(f"{key} is not an object.")
    written = json.dumps(value)
    if len(written) > METADATA_MAX or "\\u0000" in written:
        raise RowError(f"{key} is larger than {METADATA_MAX} characters of JSON, or holds a NUL.")
    return value


def user_id_of(row: dict) -> str | None:
    """Auth0's `user_id`; in its password-hash export, `auth0|` and the line's
    `alt_id` (a custom id) or `_id.$oid`, as Auth0 names the user."""
    value = row.get("user_id")
    if value is None and isinstance(row.get("_id"), dict):
        local = row.get("alt_id") or row["_id"].get("$oid")
        value = f"auth0|{local}" if isinstance(local, str) and local else None
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 255 or CONTROL.search(value):
        raise RowError("user_id is not a string of 1 to 255 characters without control characters.")
    return value.strip()


TOTP_SECRET = re.compile(r"[A-Z2-7]{16,128}")


def totp_secret_of(row: dict) -> str | None:
    """The `totp` factor of `mfa_factors` (`[{"totp": {"secret": BASE32}}]`);
    Auth0's phone and email factors have no counterpart here and are left."""
    factors = row.get("mfa_factors")
    if factors is None:
        return None
    if not isinstance(factors, list):
        raise RowError("mfa_factors is not a list.")
    for factor in factors:
        if isinstance(factor, dict) and isinstance(factor.get("totp"), dict):
            secret = factor["totp"].get("secret")
            if not isinstance(secret, str) or not TOTP_SECRET.fullmatch(secret.rstrip("=")):
                raise RowError("The TOTP secret is not base32 (A-Z, 2-7) of 16 to 128 characters.")
            return secret.rstrip("=")
    return None


def with_identifier_email(row: dict) -> dict:
    """The password-hash export may give the address only in `identifiers`."""
    if row.get("email") in (None, "") and isinstance(row.get("identifiers"), list):
        for identifier in row["identifiers"]:
            if isinstance(identifier, dict) and identifier.get("type") == "email" and identifier.get("value"):
                return {**row, "email": identifier["value"], "email_verified": identifier.get("verified", False)}
    return row


def read(row: object) -> Account:
    """The account a row describes, or raise RowError with why not."""
    if not isinstance(row, dict):
        raise RowError("The row is not a JSON object.")
    row = with_identifier_email(row)
    if row.get("email") in (None, ""):
        raise RowError("The row has no email.")
    if not isinstance(row["email"], str):
        raise RowError("email is not a string.")
    try:
        email = clean_email(row["email"])  # the one normaliser: one spelling per mailbox
    except InvalidInput as error:
        raise RowError(f"The address is refused: {error.message}") from None
    return Account(
        email=email,
        email_verified=flag(row, "email_verified"),
        user_id=user_id_of(row),
        given_name=text(row, "given_name"),
        family_name=text(row, "family_name"),
        name=text(row, "name", 300),
        blocked=flag(row, "blocked"),
        password=password_of(row),
        user_metadata=metadata(row, "user_metadata"),
        app_metadata=metadata(row, "app_metadata"),
        totp_secret=totp_secret_of(row),
    )


def exported_hash(encoded: str) -> dict | None:
    """An encoded hash of the service's as Auth0's `custom_password_hash`; None
    for an account without a usable password."""
    algorithm, _, rest = encoded.partition("$")
    if algorithm == "argon2":
        return {"algorithm": "argon2", "hash": {"value": "$" + rest}}
    if algorithm == "bcrypt":
        return {"algorithm": "bcrypt", "hash": {"value": rest}}
    if algorithm == "pbkdf2_sha256_phc":
        iterations, salt, digest = rest.split("$")
        length = len(phc_b64decode(digest))
        return {"algorithm": "pbkdf2", "hash": {"value": f"$pbkdf2-sha256$i={iterations},l={length}${salt}${digest}"}}
    if algorithm == "pbkdf2_sha256":
        iterations, salt, digest = rest.split("$")
        length = len(phc_b64decode(digest.rstrip("=")))
        value = f"$pbkdf2-sha256$i={iterations},l={length}${phc_b64encode(salt.encode())}${digest.rstrip('=')}"
        return {"algorithm": "pbkdf2", "hash": {"value": value}}
    return None
