"""Refresh-token chains (RFC 9700 4.14.2): allauth rotates a refresh token at
each use and deletes the old row; here the old one is remembered, with its
chain (allauth's grant id, which every token of one authorization carries),
until it would have expired. Presented again, by the client or by whoever
stole it, it revokes the whole chain, so the thief's newer tokens end as well
as the client's, and the reuse is recorded.

Like the code checks (provider/protocol.py), these act on allauth's answer,
after it authenticated the client: a caller without the client's credentials
revokes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Token
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from provider import protocol
from provider.models import GrantSession, SpentRefreshToken
from users.events import EventType, announce
from users.models import User


def presented(request: HttpRequest) -> Token | None:
    """The live refresh token a refresh request presents, read before allauth rotates it."""
    value = request.POST.get("refresh_token") or ""
    return Token.objects.lookup(Token.Type.REFRESH_TOKEN, value) if value else None


def sign_in_claims(token: Token) -> dict:
    """What the first ID token of `token`'s grant said of the sign-in it was
    given through (auth_time, amr, acr); for a grant given before they were
    kept, its session's time."""
    given = (
        GrantSession.objects.filter(
            grant_id=token.get_grant_id() or "", client_id=token.client_id, user_id=token.user_id
        )
        .select_related("session")
        .first()
    )
    if given is None:
        return {}
    return given.claims or {"auth_time": int(given.session.authenticated_at.timestamp())}


def spend(token: Token) -> bool:
    """Remember `token`, just rotated, as spent; False when another request had
    spent it already (two refreshes with one token at once: one is not the client)."""
    now = timezone.now()
    SpentRefreshToken.objects.filter(expires_at__lte=now).delete()  # indexed: the table holds what may return
    try:
        with transaction.atomic():
            SpentRefreshToken.objects.create(
                hash=token.hash,
                client_id=token.client_id,
                user_id=token.user_id,
                grant_id=token.get_grant_id() or "",
                expires_at=token.expires_at or now + timedelta(days=365),
            )
    except IntegrityError:
        return False
    return True


def spent(request: HttpRequest) -> SpentRefreshToken | None:
    """The spent refresh token a refused refresh request presented, when the
    client asking is the one it was issued to (else nothing is learned or done)."""
    value = request.POST.get("refresh_token") or ""
    if not value:
        return None
    found = SpentRefreshToken.objects.filter(hash=get_adapter().hash_token(value)).first()
    return found if found is not None and protocol.asking_client(request) == found.client_id else None


def revoke_chain(request: HttpRequest, *, client_id: str, user_id: int, grant_id: str) -> None:
    """End every token of the chain, and record that a spent token came back."""
    protocol.revoke_grant(user_id, client_id, grant_id)
    owner = User.objects.filter(pk=user_id).first()
    if owner is not None:
        announce(EventType.REFRESH_TOKEN_REUSED, user=owner, request=request)
