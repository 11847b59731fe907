"""users.cache_keys: the keys the cache keeps across deploys keep their spelling."""

import hashlib

from users import credentials
from users.cache_keys import cache_key


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_lock_generation_and_an_unlock_keep_their_keys():
    """A generation is kept for good: were its key spelled anew, every cleared
    lock would come back on the next deploy."""
    assert credentials.generation_key("ada@example.com") == "gql_auth:lock_generation:" + sha256("ada@example.com")
    assert credentials.unlock_key("ada@example.com", "e", "203.0.113.7") == "gql_auth:unlocked:" + sha256(
        "ada@example.com|e|203.0.113.7"
    )


def test_keys_hold_no_address_and_purposes_do_not_meet():
    key = cache_key("unlocked", "ada@example.com")
    assert "ada" not in key
    assert key != cache_key("lock_generation", "ada@example.com")
