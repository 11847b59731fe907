"""Outages of what the service stands on: the database and the shared cache (Redis).

While one lasts, every path answers 503 SERVICE_UNAVAILABLE (Django's error
handler, the GraphQL view and its error masking all ask `is_outage`), so
clients and load balancers retry rather than report a bug. Nothing is skipped
meanwhile: a rate limit or lock that cannot be read refuses the request, as
the error it raises ends the request (fail closed).

An outage is logged once per kind and `REPORT_INTERVAL` (with one traceback),
not once per request: a scanner or a busy minute must not flood the error log
(`report`; `RequestLogFilter` takes Django's per-request record away).
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import InterfaceError, OperationalError
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REPORT_INTERVAL = 60.0
CACHE_OUTAGES = (RedisConnectionError, RedisTimeoutError, ConnectionRefusedError, TimeoutError)
last_reported: dict[str, float] = {}
reporting = threading.Lock()


def kind_of(error: BaseException | None) -> str | None:
    """ "database" or "cache" when `error` says one is unreachable, else None (a bug)."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return "database"
    if isinstance(error, ConnectionInterrupted):
        # django-redis wraps every client error; only a lost connection is an outage.
        error = error.__cause__
    if isinstance(error, CACHE_OUTAGES):
        return "cache"
    return None


def is_outage(error: BaseException | None) -> bool:
    return kind_of(error) is not None


def report(error: BaseException, request_id: str | None = None) -> None:
    """Log the outage `error` belongs to, unless it was logged in the last
    REPORT_INTERVAL seconds (then at DEBUG only)."""
    kind = kind_of(error)
    now = time.monotonic()
    with reporting:
        first = kind not in last_reported or now - last_reported[kind] >= REPORT_INTERVAL
        if first:
            last_reported[kind] = now
    if first:
        logger.error(
            "The %s is unreachable (request id %s); requests answer 503, logged again in %d s if it lasts",
            kind,
            request_id,
            REPORT_INTERVAL,
            exc_info=error,
        )
    else:
        logger.debug("The %s is still unreachable (request id %s)", kind, request_id)


class RequestLogFilter(logging.Filter):
    """On `django.request`: drops its record of each 503 answered (and of an
    outage's exception), which `report` has logged once already."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 503:
            return False
        return not (record.exc_info and is_outage(record.exc_info[1]))
