"""OpenID Connect Back-Channel Logout 1.0: when a sign-in ends, each
application that was given tokens through it and registered a
`backchannel_logout_uri` is told so, server to server, by a signed logout token.

A hosted sign-in is one session (`users.models.AuthToken`); the ID tokens it
leads to carry its `sid`. It ends by signing out (here or at an application,
RP-initiated logout), `revokeSession`, `logoutAll`, a new password or a
deactivation: the session's row goes, and with it the grants given through it
(`provider.models.GrantSession`), whose applications are told. A new password or a
deactivation that keeps the caller's own session ends the applications' tokens
all the same (provider/sessions.py): those applications hear a logout of the
account (`sub` without `sid`).

Each delivery is a job on the durable queue (users/jobs.py), queued in the
transaction that ends the sign-in, with a short timeout
(OIDC_BACKCHANNEL_LOGOUT_TIMEOUT_SECONDS, for the connection and for the
answer's status; thrice that for the whole exchange), so a slow or dead
receiver never holds up the person signing out. A receiver that is down or
answers an error gets it again later, with the queue's backoff; each attempt
carries a fresh token (its `exp` is short). The application's tokens are
revoked regardless.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

import requests
from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Client
from django.conf import settings
from django.utils.crypto import salted_hmac

from provider import clients, keys
from provider.models import GrantSession
from users.jobs import Refused, RetryLater, job, within

logger = logging.getLogger(__name__)

EVENT = "http://schemas.openid.net/event/backchannel-logout"
TYPE = "logout+jwt"  # section 2.4: explicitly typed, so no ID token passes for one
LIFETIME = 120  # seconds: signed for each attempt, so a late one is fresh


def session_id(session_pk: int) -> str:
    """The `sid` applications know a hosted sign-in by: not its row id (which
    counts sessions), a keyed digest of it."""
    return salted_hmac("gql_auth.provider.sid", str(session_pk)).hexdigest()[:32]


@dataclass(frozen=True)
class Logout:
    client_id: str
    uri: str
    sub: str
    sid: str | None


def logout_token(logout: Logout) -> str:
    """Section 2.4's token: who signed out, of which sign-in, for which application."""
    adapter = get_adapter()
    now = int(time.time())
    claims = {
        "iss": adapter.get_issuer(),
        "aud": logout.client_id,
        "iat": now,
        "exp": now + LIFETIME,
        "jti": uuid.uuid4().hex,
        "sub": logout.sub,
        "events": {EVENT: {}},
    }
    if logout.sid:
        claims["sid"] = logout.sid
    return keys.sign(claims, typ=TYPE)


@job(atomic=False)
def deliver(client_id: str, *queued: str | None) -> None:
    """Tell the application `client_id` of the sign-out of (`sub`, `sid`)
    through the receiver it has now: deleted, or its receiver removed, since:
    nothing to tell; moved: the new one. Rows queued before the receiver was
    looked up here carry it before `sub`: (uri, sub, sid); it is not used."""
    sub, sid = queued[-2:]
    client = Client.objects.filter(pk=client_id).first()
    uri = clients.backchannel_logout_uri_of(client) if client is not None else None
    if uri:
        send(Logout(client_id, uri, sub, sid))


def send(logout: Logout) -> None:
    """POST the logout token (section 2.5); the answer is not followed anywhere.
    A 4xx is the application's refusal (section 2.8: 400 when it could not
    process the token), for staff to see; other failures are tried again."""
    try:
        status = within(settings.OIDC_BACKCHANNEL_LOGOUT_TIMEOUT_SECONDS, post, logout.uri, logout_token(logout))
    except requests.RequestException as error:
        logger.warning("Back-channel logout to client %s not delivered: %s", logout.client_id, type(error).__name__)
        raise RetryLater(f"receiver unreachable: {type(error).__name__}") from None
    if status in (200, 204):
        return
    if 400 <= status < 500 and status not in (408, 429):
        raise Refused(f"client {logout.client_id}'s receiver refused the logout: {status}")
    logger.warning("Back-channel logout to client %s answered %s", logout.client_id, status)
    raise RetryLater(f"receiver answered {status}")


def post(uri: str, token: str, timeout: float) -> int:
    """POST the logout token; the answer's status. Streamed and closed unread:
    only the status matters, so a long body holds nothing."""
    with requests.post(
        uri, data={"logout_token": token}, timeout=timeout, allow_redirects=False, stream=True
    ) as answer:
        return answer.status_code


def logouts(grants, *, with_sid: bool) -> list[Logout]:
    """One logout per application and sign-in among `grants`, for the
    applications that registered a receiver."""
    found: dict[tuple[str, str | None], Logout] = {}
    for grant in grants:
        uri = clients.backchannel_logout_uri_of(grant.client)
        if uri:
            # The sid its ID tokens named (the grant may have followed the person to a later session).
            sid = ((grant.claims or {}).get("sid") or session_id(grant.session_id)) if with_sid else None
            sub = get_adapter().get_user_sub(grant.client, grant.user)
            found.setdefault((grant.client_id, sid), Logout(grant.client_id, uri, sub, sid))
    return list(found.values())


def tell(found: list[Logout]) -> None:
    for logout in found:
        deliver.enqueue(logout.client_id, logout.sub, logout.sid)


def sign_in_ended(session_pk: int) -> None:
    """Tell the applications given tokens through the session `session_pk`, whose row is going."""
    grants = GrantSession.objects.filter(session_id=session_pk).select_related("client", "user")
    tell(logouts(grants, with_sid=True))


def account_signed_out(user_id: int) -> None:
    """Tell the applications still holding grants of the account that it is
    signed out of them (its tokens are revoked), and forget those grants."""
    grants = GrantSession.objects.filter(user_id=user_id).select_related("client", "user")
    tell(logouts(grants, with_sid=False))
    grants.delete()
