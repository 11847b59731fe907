"""The shared cache without Redis (gql_auth/cache.py): past its size it purges
expired entries and never a live one, so no flood of keys flushes a lock."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection


def rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM gql_auth_cache")
        return cursor.fetchone()[0]


@pytest.mark.usefixtures("db")
def test_past_its_size_it_purges_the_expired_and_keeps_every_live_entry():
    from gql_auth.cache import DatabaseCache

    cache = DatabaseCache("gql_auth_cache", {"OPTIONS": {"MAX_ENTRIES": 50}})
    with time_machine.travel("2026-01-01 00:00:00Z", tick=False) as clock:
        for n in range(100):
            cache.set(f"brief{n}", n, timeout=60)
        for n in range(200):
            cache.set(f"lock{n}", n, timeout=3600)
        assert all(cache.get(f"lock{n}") == n for n in range(200))  # nothing live was culled
        clock.shift(timedelta(minutes=2))
        cache.set("one-more", 1, timeout=3600)
        assert rows() == 201  # the expired ones went
        assert all(cache.get(f"lock{n}") == n for n in range(200))
