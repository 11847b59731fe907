"""Every key the service writes to the shared cache, built one way: a purpose
and a digest of what it is about, so the cache holds no address, secret or code
in the clear, and no two purposes meet.

The keys of what the cache keeps for good (a lock generation) or across a
deploy must keep their spelling: changed, they would name nothing, and a
cleared lock would come back (`tests/users/test_cache_keys.py` pins them).
"""

from __future__ import annotations

import hashlib


def cache_key(purpose: str, *about: str) -> str:
    return f"gql_auth:{purpose}:" + hashlib.sha256("|".join(about).encode()).hexdigest()
