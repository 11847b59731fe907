"""The keys that sign ID and access tokens (read by the settings, so no models here).

allauth.idp.oidc signs with RS256 and publishes the public halves at its JWKS
endpoint. Production names its key in `OIDC_PRIVATE_KEY` (or several, with
validity windows, in `OIDC_PRIVATE_KEYS_FILE`: see docs/applications.md,
"Rotating the signing key"); a development checkout generates one once and keeps it, as it
does its SECRET_KEY, so tokens verify across restarts.
"""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured

# NIST SP 800-57: 2048 bits is good past 2030; 3072 doubles verification cost
# for every resource server, so it is an operator's choice (`oidc_key --bits`).
DEFAULT_BITS = 2048


def generate_pem(bits: int = DEFAULT_BITS) -> str:
    """A new RSA private key, as unencrypted PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def check_pem(pem: str, name: str) -> str:
    """`pem`, if it is an RSA private key allauth can sign with; else a clear
    refusal at start-up rather than a failure at the first sign-in."""
    pem = pem.strip().replace("\\n", "\n")  # one-line env files write "\n"
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError):
        raise ImproperlyConfigured(f"{name} is not an unencrypted PEM private key.") from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
        raise ImproperlyConfigured(f"{name} must be an RSA key of at least 2048 bits (tokens are signed RS256).")
    return pem + "\n"


def read_keys_file(path: str) -> list[dict]:
    """allauth's IDP_OIDC_PRIVATE_KEYS from a JSON file: a list of objects with
    `pem` and optional `not_before`, `expires_at`, `issued_at` (ISO 8601)."""
    try:
        entries = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise ImproperlyConfigured(f"OIDC_PRIVATE_KEYS_FILE {path!r} cannot be read as JSON: {error}") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "pem" in e for e in entries):
        raise ImproperlyConfigured("OIDC_PRIVATE_KEYS_FILE must hold a JSON list of objects, each with a 'pem'.")
    return [
        {**entry, "pem": check_pem(entry["pem"], f"OIDC_PRIVATE_KEYS_FILE entry {number}")}
        for number, entry in enumerate(entries, 1)
    ]


if __name__ == "__main__":
    # `python -m provider.keys`: a new key for OIDC_PRIVATE_KEY, with no settings needed.
    print(generate_pem(), end="")


def cache_loaded_keys() -> None:
    """Load each signing key once per process, not once per token.

    allauth.idp.oidc turns the PEM into a key object (jwkkit.load_jwk_from_pem)
    every time it signs a token, serves the JWKS, or checks a JWT at
    introspection; cryptography validates an RSA key on each load, 54 ms here:
    more than the Argon2 hash of a login, on every token request. A key is
    immutable and so is its PEM, so the loaded pair is kept, keyed by the PEM
    (a rotation brings a new PEM, hence a new entry). Called once at start-up
    (ProviderConfig.ready); worth proposing upstream.
    """
    import functools

    from allauth.core.internal import jwkkit

    if getattr(jwkkit.load_jwk_from_pem, "cached", False):
        return
    load = functools.lru_cache(maxsize=16)(jwkkit.load_jwk_from_pem)

    def load_jwk_from_pem(pem: str):
        jwk, private_key = load(pem)
        return dict(jwk), private_key  # callers get their own dict, as before

    load_jwk_from_pem.cached = True
    jwkkit.load_jwk_from_pem = load_jwk_from_pem


def sign(claims: dict, *, typ: str) -> str:
    """`claims` as a JWT of type `typ`, signed RS256 with the current signing
    key and naming it (`kid`): the one way this service signs its own tokens."""
    import jwt
    from allauth.core.internal import jwkkit
    from allauth.idp.oidc.adapter import get_adapter

    jwk, private_key = jwkkit.load_jwk_from_pem(get_adapter().get_signing_key().pem)
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": jwk["kid"], "typ": typ})
