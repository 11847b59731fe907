"""One webhook delivery: a POST of `{"type", "timestamp", "data"}` signed per
the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`,
`webhook-signature`), by the reference implementation's signer. Signed afresh
for each attempt, as receivers refuse an old timestamp; anything but a 2xx is
tried again later (users/jobs.py), with a timeout on each wait and a deadline
on the whole, so that a slow receiver holds a worker for seconds, never a
request."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import requests
from django.conf import settings
from standardwebhooks.webhooks import Webhook

from users.jobs import RetryLater, job, within
from webhooks.models import Endpoint

logger = logging.getLogger(__name__)

ANSWER_KEPT = 500  # characters of a refusal's body kept as the last error, for staff


def payload(event) -> dict:
    """What a receiver learns of `event`: the account, its address, and who did
    what from where; never a token, key, code or password."""
    user = event.user
    return {
        "type": event.type,
        "timestamp": event.created_at.isoformat(),
        "data": {
            "event_id": event.pk,
            "account_id": str(user.pk) if user is not None else None,
            "email": user.email if user is not None else None,
            "actor_id": str(event.actor_id) if event.actor_id else None,
            "ip_address": event.ip_address,
            "user_agent": event.user_agent,
        },
    }


@job(atomic=False)
def deliver(endpoint_id: str, message_id: str, body: dict) -> None:
    endpoint = Endpoint.objects.filter(pk=endpoint_id, is_active=True).first()
    if endpoint is None:
        return  # deleted or paused since: its deliveries go with it
    content = json.dumps(body, separators=(",", ":"))
    now = datetime.now(UTC)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"{settings.SITE_NAME} webhooks",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(endpoint.secret).sign(message_id, now, content),
    }
    try:
        status, kept = within(settings.WEBHOOKS_TIMEOUT_SECONDS, post, endpoint.url, content.encode(), headers)
    except requests.RequestException as error:
        logger.warning("Webhook %s to %s not delivered: %s", message_id, endpoint.url, type(error).__name__)
        raise RetryLater(f"receiver unreachable: {type(error).__name__}") from None
    if 200 <= status < 300:
        return
    logger.warning("Webhook %s to %s answered %s", message_id, endpoint.url, status)
    raise RetryLater(f"receiver answered {status}: {kept}")


def post(url: str, content: bytes, headers: dict, timeout: float) -> tuple[int, str]:
    """POST the delivery: (the status, the first ANSWER_KEPT characters of a refusal)."""
    with requests.post(
        url, data=content, headers=headers, timeout=timeout, allow_redirects=False, stream=True
    ) as answer:
        if 200 <= answer.status_code < 300:
            return answer.status_code, ""
        return answer.status_code, next(answer.iter_content(ANSWER_KEPT), b"").decode(errors="replace")
