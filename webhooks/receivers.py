"""Every recorded security event, queued for each receiver that wants it, in the
transaction that recorded it: a rolled-back flow sends nothing, a committed one
loses nothing (users/jobs.py)."""

from __future__ import annotations

import threading
import time
import uuid

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from audit.log import event_recorded
from webhooks.delivery import deliver, payload
from webhooks.models import Endpoint

# The receivers, read at most every WEBHOOKS_REFRESH_SECONDS per process rather
# than once per event (a login records one); a change here is seen at once.
cached: tuple[float, list[Endpoint]] | None = None
reading = threading.Lock()


def forget(**kwargs) -> None:
    global cached
    cached = None


post_save.connect(forget, sender=Endpoint)
post_delete.connect(forget, sender=Endpoint)


def active_endpoints() -> list[Endpoint]:
    global cached
    found = cached
    if found is None or time.monotonic() - found[0] > settings.WEBHOOKS_REFRESH_SECONDS:
        with reading:
            found = cached = (time.monotonic(), list(Endpoint.objects.filter(is_active=True)))
    return found[1]


@receiver(event_recorded)
def queue_deliveries(sender, event, **kwargs) -> None:
    wanting = [endpoint for endpoint in active_endpoints() if endpoint.wants(event.type)]
    if not wanting:
        return
    body = payload(event)
    for endpoint in wanting:
        # The webhook-id every attempt carries, so a receiver can drop a repeat.
        deliver.enqueue(str(endpoint.pk), f"msg_{uuid.uuid4().hex}", body)
