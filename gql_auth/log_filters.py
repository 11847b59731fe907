"""Filters of Django's own loggers, so what a scanner sends cannot flood the error log."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

REPEAT_INTERVAL = 60.0
HOSTS_REMEMBERED = 1000


class RefusedHostFilter(logging.Filter):
    """On `django.security.DisallowedHost`: Django logs an ERROR with a
    traceback for each request naming a host not in ALLOWED_HOSTS. This makes it
    one WARNING line with the host, once per host and REPEAT_INTERVAL."""

    def __init__(self) -> None:
        super().__init__()
        self.last_seen: OrderedDict[str, float] = OrderedDict()
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        host = (request.META.get("HTTP_HOST", "") if request is not None else "")[:200]
        now = time.monotonic()
        with self.lock:
            seen = self.last_seen.pop(host, None)
            self.last_seen[host] = now if seen is None or now - seen >= REPEAT_INTERVAL else seen
            while len(self.last_seen) > HOSTS_REMEMBERED:
                self.last_seen.popitem(last=False)
        if seen is not None and now - seen < REPEAT_INTERVAL:
            return False
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg, record.args = "Refused a request for host %r: not in ALLOWED_HOSTS", (host,)
        record.exc_info = record.exc_text = record.stack_info = None
        return True
