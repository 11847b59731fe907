"""What a person gave the organisation's applications: the grants they hold
(allauth's live tokens, by application) and the consents they gave on the
consent page, listed as `me.applications` and revoked by `revokeApplication`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from allauth.idp.oidc.models import Token
from django.db import transaction
from django.db.models import Max, Min
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from provider import protocol
from provider.models import Consent, SpentRefreshToken
from users.errors import NotFound
from users.events import EventType, announce
from users.models import User
from users.sessions import current_token


@dataclass(frozen=True)
class Grant:
    client_id: str
    name: str
    scopes: list[str]
    granted_at: datetime  # the oldest live token's issue
    last_used_at: datetime | None  # the newest: each refresh issues anew


def consented(user: User, client_id: str, scopes: set[str]) -> bool:
    """Whether `user` granted the application every one of `scopes` on the consent page."""
    consent = Consent.objects.filter(user=user, client_id=client_id).first()
    return consent is not None and scopes <= consent.get_scopes()


def remember_consent(user: User, client_id: str, scopes: set[str]) -> None:
    """Keep what `user` just granted the application, beside what it granted before."""
    with transaction.atomic():
        consent, created = Consent.objects.select_for_update().get_or_create(
            user=user, client_id=client_id, defaults={"scopes": " ".join(sorted(scopes)), "granted_at": timezone.now()}
        )
        if not created and not scopes <= consent.get_scopes():
            consent.scopes = " ".join(sorted(consent.get_scopes() | scopes))
            consent.save(update_fields=["scopes"])


def applications_of(user: User) -> list[Grant]:
    """The applications holding live tokens of `user` or its consent, most
    recently used first: three queries whatever their number."""
    tokens = Token.objects.valid().filter(user=user, type__in=protocol.TOKENS, client__isnull=False)
    times = {
        row["client_id"]: row
        for row in tokens.values("client_id", "client__name").annotate(first=Min("created_at"), last=Max("created_at"))
    }
    scopes: dict[str, set[str]] = {}
    for client_id, text in tokens.values_list("client_id", "scopes"):
        scopes.setdefault(client_id, set()).update(text.split())
    grants = [
        Grant(
            client_id=client_id,
            name=row["client__name"],
            scopes=sorted(scopes.get(client_id, ())),
            granted_at=row["first"],
            last_used_at=row["last"],
        )
        for client_id, row in times.items()
    ]
    by_client = {grant.client_id: grant for grant in grants}
    for consent in Consent.objects.filter(user=user).select_related("client"):
        held = by_client.get(consent.client_id)
        by_client[consent.client_id] = Grant(
            client_id=consent.client_id,
            name=consent.client.name,
            scopes=sorted(consent.get_scopes() | set(held.scopes if held else ())),
            granted_at=min(consent.granted_at, held.granted_at) if held else consent.granted_at,
            last_used_at=held.last_used_at if held else None,
        )
    never = timezone.now().replace(year=1)
    return sorted(by_client.values(), key=lambda grant: grant.last_used_at or never, reverse=True)


def revoke_application(request: HttpRequest, client_id: str) -> None:
    """End every code and token the application holds for the caller, and the
    consent they gave it. One holding neither answers as one that does not exist."""
    user = current_token(request).user
    client_id = client_id if isinstance(client_id, str) else ""
    with transaction.atomic():
        held = Token.objects.filter(user=user, client_id=client_id, type__in=protocol.HELD)
        consent = Consent.objects.filter(user=user, client_id=client_id)
        if not held.filter(type__in=protocol.TOKENS).valid().exists() and not consent.exists():
            raise NotFound(gettext("No application holds access to your account under that id."), field="id")
        held.delete()
        consent.delete()
        SpentRefreshToken.objects.filter(user=user, client_id=client_id).delete()
        announce(EventType.APPLICATION_REVOKED, user=user, request=request)
