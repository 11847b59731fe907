"""The shared cache when there is no Redis: Django's database cache, made safe
for counts that must not be lost.

Django's culls a third of its entries by key order once it holds more than
MAX_ENTRIES, live ones included, so an attacker who touched enough other keys
could flush an account's lock. This one only ever removes expired entries:
past MAX_ENTRIES each write purges them (one indexed DELETE), and the table
holds what is live, which the rate limits themselves bound. Heavy traffic
belongs on Redis (docs/operations.md, "Deployment"): every write here also counts the table.
"""

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections


class DatabaseCache(DjangoDatabaseCache):
    def _cull(self, db, cursor, now, num) -> None:
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        expires = connection.ops.quote_name("expires")
        cursor.execute(f"DELETE FROM {table} WHERE {expires} < %s", [connection.ops.adapt_datetimefield_value(now)])
