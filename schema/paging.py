"""The contract's paging of lists: `first` and `offset` (bounded), and for
security events a keyset (`after`) that costs the same however deep."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from audit.models import SecurityEvent
from schema.errors import CodedError
from users.errors import InvalidInput

# The most rows one list answers, whatever `first` asks.
MAX_PAGE = 100
# The deepest `offset` a list skips to: each skipped row is read. Past it,
# auditEvents pages by `after` (a keyset), whose cost does not grow.
MAX_OFFSET = 10_000


def window(first: int | None, offset: int | None, default: int) -> slice:
    """The contract's paging: an explicit null means the default, at most
    MAX_PAGE rows and MAX_OFFSET skipped, negative numbers refused."""
    first = default if first is None else first
    offset = 0 if offset is None else offset
    if first < 0 or offset < 0:
        raise CodedError(InvalidInput(gettext("first and offset must not be negative.")))
    if offset > MAX_OFFSET:
        raise CodedError(
            InvalidInput(
                gettext("offset is at most %(max)d: page on with after.") % {"max": MAX_OFFSET}, field="offset"
            )
        )
    return slice(offset, offset + min(first, MAX_PAGE))


def newest_events(
    first: int | None, offset: int | None, default: int = 20, after: SecurityEvent | None = None, **where
) -> QuerySet[SecurityEvent]:
    """The security events `where` says, newest first, a page of them; with
    `after`, the page that follows that event (a keyset: the index is entered
    where the last page ended, however deep)."""
    rows = window(first, offset, default)
    events = SecurityEvent.objects.filter(**where)
    if after is not None:
        # The plain `created_at <=` is what lets the database enter the index at
        # `after` (an OR alone made PostgreSQL read from the top: 1.35 s at 10 M rows).
        events = events.filter(created_at__lte=after.created_at).filter(
            Q(created_at__lt=after.created_at) | Q(created_at=after.created_at, id__lt=after.id)
        )
    return events.order_by("-created_at", "-id")[rows]
