"""The secrets of API tokens: how they are made and how they are stored.

A secret carries 256 bits from `secrets`, so a fast SHA-256 digest is enough to
store it: unlike a password there is nothing to guess, and a slow hash would tax
every authenticated request. Lookups go by digest, so no comparison ever runs
over the secret itself.
"""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

# Marks the secret as ours, so secret scanners and people can recognise a leaked one.
PREFIX = "gqa_"
# Generous bound on what a client may send as a token; longer input is not hashed.
MAX_LENGTH = 128


def generate_secret(prefix: str = PREFIX) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def is_well_formed(secret: str, prefix: str = PREFIX) -> bool:
    return secret.startswith(prefix) and len(secret) <= MAX_LENGTH and secret.isascii()


def issue_row(model, prefix: str, ttl: timedelta, **fields) -> str:
    """A new short-lived, single-use secret, stored as a row of `model` by its
    digest with `fields` and an expiry `ttl` away (a pending second factor, a
    sign-in at another provider, its login code); whatever of `model` has
    expired goes first (indexed), so the table holds live rows only."""
    secret = generate_secret(prefix)
    now = timezone.now()
    model.objects.filter(expires_at__lte=now).delete()
    model.objects.create(digest=digest(secret), expires_at=now + ttl, **fields)
    return secret
