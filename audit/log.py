"""The one writer of security events: one INSERT and one JSON line on the
`gql_auth.audit` logger, which operators ship to their log pipeline.

Every event is written where it is announced (audit/receivers.py: the core's
`users.events.security_event`, and the Django and allauth signals); this is
the only code that makes a row. A line carries ids, never an address, a token,
a code or a password.
"""

from __future__ import annotations

import json
import logging

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone

from audit.models import USER_AGENT_MAX_LENGTH, SecurityEvent
from users.adapter import client_ip
from users.events import EventType
from users.outages import is_outage

logger = logging.getLogger("gql_auth.audit")

# Sent with `event` (a SecurityEvent) once its row is written, inside the flow's
# transaction: what another app (webhooks/) writes for it commits or rolls back with it.
event_recorded = Signal()


def record(event_type: EventType, *, user, request=None, actor=None) -> SecurityEvent:
    """Write one event about `user` (None: an account since deleted), from
    `request`'s address and browser, done by `actor` when staff acted."""
    event = SecurityEvent(
        type=event_type,
        created_at=timezone.now(),
        user=user,
        actor=actor,
        ip_address=client_ip(request) if request is not None else None,
        user_agent=request.headers.get("User-Agent", "")[:USER_AGENT_MAX_LENGTH] if request is not None else "",
    )
    try:
        try:
            # Autocommit (a request's flows record outside transactions): a foreign key
            # to a vanished account fails here, on the statement, not at a later commit.
            event.save()
        except IntegrityError:
            # The account was deleted while this request acted on it (deleteAccount
            # racing it): the event is kept as a deleted account's are, with no one.
            event.pk, event.user, event.actor, event.ip_address, event.user_agent = None, None, None, None, ""
            event.save()
    except Exception as error:
        if is_outage(error):
            # The database is away: the log stream keeps what its table could not.
            logger.info(json_line(event, stored=False))
        raise
    line = json_line(event)
    # The line only for a row that stays: a flow that rolls back leaves neither.
    transaction.on_commit(lambda: logger.info(line))
    event_recorded.send(sender=SecurityEvent, event=event)
    return event


def record_each(event_type: EventType, users: list) -> list[SecurityEvent]:
    """One event of `event_type` about each of `users`, in one INSERT (an
    import's batch, inside its transaction: the accounts exist), with the
    lines and `event_recorded` of `record`."""
    now = timezone.now()
    events = SecurityEvent.objects.bulk_create(SecurityEvent(type=event_type, created_at=now, user=u) for u in users)
    lines = [json_line(event) for event in events]
    transaction.on_commit(lambda: [logger.info(line) for line in lines])
    for event in events:
        event_recorded.send(sender=SecurityEvent, event=event)
    return events


def json_line(event: SecurityEvent, stored: bool = True) -> str:
    """The event's line; `"stored": false` (and no id) for one its table missed."""
    fields = {
        "event": event.type,
        "id": event.pk,
        "at": event.created_at.isoformat(),
        "user_id": event.user_id,
        "actor_id": event.actor_id,
        "ip": event.ip_address,
        "user_agent": event.user_agent,
    }
    if not stored:
        fields["stored"] = False
    return json.dumps(fields, separators=(",", ":"))
