"""The table of Django's database cache, where rate-limit counts live when there
is no Redis (gql_auth/settings.py): made by `migrate`, so there is no separate
`createcachetable` step to forget, and made whatever CACHES says today, so that
dropping REDIS_URL later finds it there."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "gql_auth_cache"


def create(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0003_authtoken_password_digest"),
    ]

    operations = [migrations.RunPython(create, drop)]
