"""The rules for a webhook receiver, one place for the command and the admin."""

from __future__ import annotations

from django.conf import settings

from users.events import EventType
from users.origins import outbound_url
from webhooks.models import Endpoint, new_secret


class EndpointError(ValueError):
    """A receiver that may not be registered; its message says why."""


def clean_url(url: str) -> str:
    """https, or http on a loopback host where WEBHOOKS_ALLOW_HTTP_LOOPBACK (development); no user."""
    try:
        parts = outbound_url(url, http_on_loopback=settings.WEBHOOKS_ALLOW_HTTP_LOOPBACK)
    except ValueError as refusal:
        raise EndpointError(f"Webhook URL {url!r} {refusal}") from None
    if parts.username:
        raise EndpointError(f"Webhook URL {url!r} must name no user.")
    return url


def clean_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - {event.value for event in EventType})
    if unknown:
        raise EndpointError(f"Unknown event types: {', '.join(unknown)} (see SecurityEventType).")
    return sorted(set(events))


def create(url: str, events: list[str]) -> tuple[Endpoint, str]:
    """A new receiver and its signing secret, which is shown only this once."""
    endpoint = Endpoint(url=clean_url(url), events=clean_events(events))
    secret = new_secret()
    endpoint.secret = secret
    endpoint.save()
    return endpoint, secret
