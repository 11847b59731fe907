"""The rules for registering an identity provider, one place for the command
and (later) the admin: its id, its issuer (https, or http on a loopback host in
development), its discovery document (OpenID Connect Discovery 1.0: the
document's `issuer` is the one asked for, section 4.3; the endpoints a sign-in
needs are there), and its routing domains (one provider per domain)."""

from __future__ import annotations

import re

import requests
from django.conf import settings
from django.db import IntegrityError, transaction

from federation.models import IdentityProvider
from users.addresses import InvalidAddress, canonical_email
from users.origins import outbound_url

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
NEEDED = ("authorization_endpoint", "token_endpoint", "jwks_uri")
DISCOVERY_TIMEOUT_SECONDS = 10


class ProviderError(ValueError):
    """A provider that may not be registered; its message says why."""


def clean_slug(slug: str) -> str:
    if not SLUG.fullmatch(slug):
        raise ProviderError(f"Provider id {slug!r} must be 1 to 40 lowercase letters, digits or hyphens.")
    return slug


def clean_issuer(issuer: str) -> str:
    try:
        parts = outbound_url(issuer, http_on_loopback=settings.DEBUG)
    except ValueError as refusal:
        raise ProviderError(f"Issuer {issuer!r} {refusal}") from None
    if parts.query:
        raise ProviderError(f"Issuer {issuer!r} must have no query.")
    return issuer


def discover(issuer: str) -> dict:
    """The issuer's discovery document, checked."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        answer = requests.get(url, timeout=DISCOVERY_TIMEOUT_SECONDS, allow_redirects=False)
        answer.raise_for_status()
        document = answer.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderError(f"No discovery document at {url}: {type(error).__name__}.") from None
    if not isinstance(document, dict):
        raise ProviderError(f"The discovery document at {url} is not a JSON object.")
    if document.get("issuer") != issuer:
        raise ProviderError(f"The discovery document at {url} names another issuer: {document.get('issuer')!r}.")
    missing = [key for key in NEEDED if not isinstance(document.get(key), str)]
    if missing:
        raise ProviderError(f"The discovery document at {url} lacks {', '.join(missing)}.")
    # Its endpoints under the issuer's own rule: an http key set would let anyone on the way forge tokens.
    for key in (*NEEDED, "userinfo_endpoint"):
        if key in document:
            try:
                outbound_url(str(document[key]), http_on_loopback=settings.DEBUG)
            except ValueError as refusal:
                raise ProviderError(f"The discovery document's {key} {refusal}") from None
    return document


def clean_domain(domain: str) -> str:
    """A domain in the one spelling addresses have (users/addresses.py)."""
    try:
        return canonical_email(f"routing@{domain}").rpartition("@")[2]
    except InvalidAddress:
        raise ProviderError(f"{domain!r} is not a domain an address may have.") from None


def clean_domains(domains, *, provider: IdentityProvider | None = None) -> list[str]:
    """`provider`'s routing domains, each routed by no other provider."""
    domains = sorted({clean_domain(domain) for domain in domains})
    others = IdentityProvider.objects.exclude(pk=provider.pk if provider else None).only("domains")  # a few rows
    routed = {domain for other in others for domain in other.domains}
    taken = [domain for domain in domains if domain in routed]
    if taken:
        raise ProviderError(f"Another provider already routes {', '.join(taken)}.")
    return domains


def create(
    *, slug: str, name: str, issuer: str, client_id: str, client_secret: str, domains: list[str], trust_email: bool
) -> IdentityProvider:
    if not name.strip() or not client_id.strip() or not client_secret:
        raise ProviderError("A provider needs a name, a client id and a client secret.")
    slug, issuer, domains = clean_slug(slug), clean_issuer(issuer), clean_domains(domains)
    provider = IdentityProvider(
        slug=slug,
        name=name.strip(),
        issuer=issuer,
        client_id=client_id.strip(),
        domains=domains,
        trust_email=trust_email,
        discovery=discover(issuer),
    )
    provider.client_secret = client_secret
    try:
        with transaction.atomic():
            provider.save()
    except IntegrityError:
        raise ProviderError(f"A provider with the id {slug!r} exists.") from None
    return provider
