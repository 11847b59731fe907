"""Finding the token a request carries: the path every authenticated request takes.

One query returns the live token, its active user, and whether the user's
address is verified (what `me` asks for most), so `me` costs one query. The
token must also have been issued under the user's current password (checked on
the row that query returns). It is
SQL written once per database backend rather than an ORM query built per
request: building and compiling that queryset cost 0.73 ms a lookup, the SQL
0.05 ms (docs/performance.md). Rows still become model instances through the
backend's own converters, as the ORM would make them.
"""

from __future__ import annotations

import hmac
from functools import cache

from allauth.account.models import EmailAddress
from django.db import connections
from django.utils import timezone

from users import tokens
from users.app_settings import app_settings
from users.models import AuthToken, User

TOKEN_FIELDS = AuthToken._meta.concrete_fields
USER_FIELDS = User._meta.concrete_fields
TOKEN_ATTNAMES = [f.attname for f in TOKEN_FIELDS]
USER_ATTNAMES = [f.attname for f in USER_FIELDS]


@cache
def lookup_sql(vendor: str) -> str:
    connection = next(c for c in connections.all() if c.vendor == vendor)
    quote = connection.ops.quote_name

    def columns(alias: str, fields) -> str:
        return ", ".join(f"{alias}.{quote(f.column)}" for f in fields)

    address = EmailAddress._meta
    return (
        f"SELECT {columns('t', TOKEN_FIELDS)}, {columns('u', USER_FIELDS)}, EXISTS ("
        f"SELECT 1 FROM {quote(address.db_table)} e WHERE e.{quote('user_id')} = u.{quote('id')}"
        f" AND e.{quote('email')} = u.{quote('email')} AND e.{quote('verified')})"
        f" FROM {quote(AuthToken._meta.db_table)} t"
        f" JOIN {quote(User._meta.db_table)} u ON u.{quote('id')} = t.{quote('user_id')}"
        f" WHERE t.{quote('digest')} = %s AND t.{quote('expires_at')} > %s AND u.{quote('is_active')}"
    )


@cache
def column_converters(alias: str, model) -> list:
    """Per field, the backend's converters the ORM would apply to its column."""
    connection = connections[alias]
    result = []
    for field in model._meta.concrete_fields:
        column = field.get_col(model._meta.db_table)
        result.append((column, connection.ops.get_db_converters(column) + field.get_db_converters(connection)))
    return result


def orm_values(connection, model, values) -> list:
    """Values as the ORM would give them (e.g. SQLite's datetimes arrive as text)."""
    result = []
    for value, (column, field_converters) in zip(values, column_converters(connection.alias, model), strict=True):
        for converter in field_converters:
            value = converter(value, column, connection)
        result.append(value)
    return result


def live_token(secret: str) -> AuthToken | None:
    """The live token of an active user with this secret, with its user, in one query.

    "Last used" is written at most once per TOKEN_TOUCH_INTERVAL, so the hot
    path of every authenticated request stays a single read.
    """
    if not tokens.is_well_formed(secret):
        return None
    connection = connections[AuthToken.objects.db]
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(lookup_sql(connection.vendor), [tokens.digest(secret), now])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(TOKEN_FIELDS)
    token = AuthToken.from_db(connection.alias, TOKEN_ATTNAMES, orm_values(connection, AuthToken, row[:split]))
    user = User.from_db(connection.alias, USER_ATTNAMES, orm_values(connection, User, row[split:-1]))
    if not hmac.compare_digest(token.password_digest, user.password_digest):
        return None  # issued under a password the account no longer has
    user.email_verified = bool(row[-1])
    token.user = user
    touch(token, now)
    return token


def touch(token: AuthToken, now) -> None:
    """Record the session's use, at most once per TOKEN_TOUCH_INTERVAL."""
    if token.last_used_at is None or now - token.last_used_at >= app_settings.TOKEN_TOUCH_INTERVAL:
        AuthToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
