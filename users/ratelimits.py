"""Rate limits of the account flows, on django-allauth's limiter.

allauth counts attempts in a sliding window on Django's cache: in-process by
default, Redis when REDIS_URL is set, so that every server process shares one
count. Its public `consume` only answers yes or no; here each rate of an action
is consumed on its own, so that a refusal can say how long to wait, and an
attempt can be rolled back once it proves legitimate (a login that succeeds is
not a failure), as allauth's own login does.

The rates are the `RATE_LIMITS` setting: `action -> "amount/duration/per,..."`
with `per` one of `ip`, `key` (a string the flow chooses) or `user`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from allauth.core.internal import ratelimit as limiter
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext

from users.errors import RateLimited

APP = "gql_auth"


@dataclass
class Attempt:
    """The counts one attempt added, so they can be taken back."""

    usages: list = field(default_factory=list)

    def rollback(self) -> None:
        for usage in self.usages:
            usage.rollback()

    def join(self, other: Attempt) -> None:
        """Take `other`'s counts too, so one rollback takes back both."""
        self.usages.extend(other.usages)


def humanize(seconds: float) -> str:
    units = (
        (86400, lambda n: ngettext("%(count)d day", "%(count)d days", n)),
        (3600, lambda n: ngettext("%(count)d hour", "%(count)d hours", n)),
        (60, lambda n: ngettext("%(count)d minute", "%(count)d minutes", n)),
    )
    for size, say in units:
        if seconds >= size:
            count = round(seconds / size)
            return say(count) % {"count": count}
    count = round(seconds)
    return ngettext("%(count)d second", "%(count)d seconds", count) % {"count": count}


def allows(request: HttpRequest, action: str, *, key: str | None = None) -> bool:
    """Count one more at `action`, silently: whether it is still within its rates.
    For bounds on what the service itself does (mails, recorded events), where
    the caller is told nothing either way."""
    try:
        hit(request, action, key=key)
    except RateLimited:
        return False
    return True


def hit(request: HttpRequest, action: str, *, key: str | None = None) -> Attempt:
    """Count one attempt at `action`, or raise `RateLimited` if a rate is used up."""
    attempt = Attempt()
    for rate in (settings.RATE_LIMITS.get(action) or "").split(","):
        if not rate.strip():
            continue
        # Whatever method carried the attempt: allauth's limiter passes every GET
        # by default (its own views limit their POSTs), and a sign-in may come
        # back from an identity provider by a GET.
        usage = limiter.consume(request, app=APP, action=action, config={action: rate}, key=key, limit_get=True)
        if usage is None:
            attempt.rollback()
            wait = humanize(limiter.parse_rate(rate.strip()).duration)
            raise RateLimited(gettext("Too many attempts. Please try again in %(wait)s.") % {"wait": wait})
        attempt.usages.extend(usage.usage)
    return attempt
