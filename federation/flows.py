"""Signing in through another identity provider: the flows behind
`PUBLIC_URL/login/external/<provider>`, `completeExternalLogin`,
`me.identities` and `unlinkIdentity`. They know nothing of GraphQL or pages.

A sign-in goes to the provider with a `state`, a `nonce` and a PKCE challenge
(`start`), and comes back with a code (`finish`), which federation/upstream.py
turns into verified claims. The claims name an account by the link already
made (allauth's `SocialAccount`: provider and `sub`), or by the address:

- no account has it: a new one, its address verified only when the provider is
  trusted for addresses (`trust_email`) and says it is verified;
- an account has it: linked at once only under the same two conditions;
  otherwise the link waits (`ExternalLoginCode`, purpose LINK) for the person
  to sign in here first, so nobody takes over an account by registering its
  address at a provider.

The login itself is `users.sessions.login_proven`: the account's locks, its
admission (disabled, unverified) and its stages (a second factor) apply as
after a right password, and the person's session comes through the one
hand-off (`users.sessions.hand_off`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from federation import upstream
from federation.models import ExternalLoginCode, ExternalLoginState, IdentityProvider
from users import credentials, ratelimits, sessions, tokens
from users.addresses import InvalidAddress, canonical_email
from users.cleaning import clean_email, clean_id
from users.errors import ExpiredKey, InvalidInput, InvalidKey, NotFound
from users.events import EventType, announce
from users.locking import lock_user
from users.models import AuthToken, User, own_address
from users.origins import is_trusted, origin_of

STATE_TTL = timedelta(minutes=10)
CODE_TTL = timedelta(seconds=60)
LINK_TTL = timedelta(minutes=10)
STATE_PREFIX = "gqs_"
CODE_PREFIX = "gqx_"
# RFC 8176 names no value for a sign-in at another provider; "fed" is Microsoft
# Entra ID's for a federated one.
METHODS = ("fed",)

LINKED = "federation/email/identity_linked"
UNLINKED = "federation/email/identity_unlinked"
ENDED = gettext_lazy("This sign-in has ended. Please sign in again.")


class ExternalLoginRefused(Exception):
    """The provider's answer does not sign anyone in; the message is for the person."""


def providers() -> list[IdentityProvider]:
    return list(IdentityProvider.objects.only("slug", "name", "domains", "discovery"))


def provider_named(slug: str) -> IdentityProvider:
    provider = IdentityProvider.objects.filter(slug=slug).first() if isinstance(slug, str) else None
    if provider is None:
        raise NotFound(gettext("No such identity provider."), field="provider")
    return provider


def provider_for_address(email: str) -> IdentityProvider | None:
    """The provider whose routing domain `email` is at (home-realm discovery).
    Decided by the domain alone: whether the address has an account here
    changes nothing."""
    try:
        domain = canonical_email(email).rpartition("@")[2]
    except InvalidAddress:
        return None
    return next((provider for provider in providers() if domain in provider.domains), None)


def clean_next(request: HttpRequest, next_url: str) -> str:
    """Where the browser may go after: a path of this service, or a page of its
    own origin or of one in CORS_ALLOWED_ORIGINS (the one rule of trusted pages)."""
    if not isinstance(next_url, str) or not next_url or len(next_url) > 2000 or not next_url.isprintable():
        raise InvalidInput(gettext("Say where to go after signing in (next)."), field="next")
    if next_url.startswith("/") and not next_url.startswith(("//", "/\\")):
        return next_url
    try:
        parts = urlsplit(next_url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        raise InvalidInput(gettext("next must be a page of this service or of an allowed origin."), field="next")
    if not is_trusted(next_url, settings.PUBLIC_URL):
        raise InvalidInput(gettext("next must be a page of this service or of an allowed origin."), field="next")
    if origin_of(next_url) == origin_of(settings.PUBLIC_URL):
        return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))  # its pages go by path
    return next_url


def on_this_service(next_url: str) -> bool:
    """Whether `next` (as `clean_next` left it: this service's pages as paths) is
    one of this service's own pages (the hosted ones, an OIDC authorization to
    continue): those get the browser's session, not a code."""
    return next_url.startswith("/")


@dataclass(frozen=True)
class Started:
    url: str  # the provider's authorization endpoint, with this sign-in's parameters
    state: str  # for the browser's cookie


def start(request: HttpRequest, slug: str, next_url: str, login_hint: str = "") -> Started:
    provider = provider_named(slug)
    next_url = clean_next(request, next_url)
    ratelimits.hit(request, "external_login")
    nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    state = tokens.issue_row(
        ExternalLoginState,
        STATE_PREFIX,
        STATE_TTL,
        provider=provider,
        nonce=nonce,
        code_verifier=verifier,
        next_url=next_url,
    )
    hint = login_hint if isinstance(login_hint, str) and len(login_hint) <= 254 and login_hint.isprintable() else ""
    return Started(
        upstream.authorization_url(provider, state=state, nonce=nonce, verifier=verifier, login_hint=hint), state
    )


def take_state(slug: str, state: str, browser_state: str) -> ExternalLoginState:
    """The sign-in `state` stands for, spent: it must be this provider's, live,
    and the one this browser started."""
    if not isinstance(state, str) or not tokens.is_well_formed(state, STATE_PREFIX):
        raise InvalidKey(ENDED, field="state")
    if not isinstance(browser_state, str) or not secrets.compare_digest(state.encode(), browser_state.encode()):
        raise InvalidKey(gettext("This sign-in was started in another browser. Please sign in again."), field="state")
    pending = ExternalLoginState.objects.select_related("provider").filter(digest=tokens.digest(state)).first()
    if pending is None or pending.provider.slug != slug:
        raise InvalidKey(ENDED, field="state")
    deleted, _ = ExternalLoginState.objects.filter(pk=pending.pk).delete()
    if not deleted:
        raise InvalidKey(ENDED, field="state")  # a second callback raced this one
    if pending.expires_at <= timezone.now():
        raise ExpiredKey(gettext("This sign-in took too long. Please sign in again."), field="state")
    return pending


@dataclass(frozen=True)
class Finished:
    """Where a callback leaves the person: signed in as `user` (through a code or
    the browser's session), or asked to sign in here to make a link."""

    provider: IdentityProvider
    next_url: str
    user: User | None = None
    link_code: str = ""  # a pending link, for the hosted login page


def finish(request: HttpRequest, slug: str, params, browser_state: str) -> Finished:
    """The provider's answer to a sign-in (the callback's query), checked and
    turned into the account it signs in."""
    pending = take_state(slug, params.get("state"), browser_state)
    provider = pending.provider
    if params.get("error"):
        raise ExternalLoginRefused(
            gettext("%(provider)s did not sign you in (%(error)s).")
            % {"provider": provider.name, "error": str(params.get("error"))[:64]}
        )
    code = params.get("code")
    if not isinstance(code, str) or not code or len(code) > 2000:
        credentials.count_client_failure(request)
        raise ExternalLoginRefused(gettext("%(provider)s sent no sign-in code back.") % {"provider": provider.name})
    try:
        claims = upstream.sign_in_claims(provider, code, pending.code_verifier, pending.nonce)
        email = clean_email(claims.email)
    except (upstream.UpstreamError, InvalidInput) as error:
        credentials.count_client_failure(request)
        raise ExternalLoginRefused(
            gettext("The sign-in at %(provider)s could not be used: %(error)s")
            % {"provider": provider.name, "error": error}
        ) from None
    link = SocialAccount.objects.select_related("user").filter(provider=provider.slug, uid=claims.subject).first()
    if link is not None:
        SocialAccount.objects.filter(pk=link.pk).update(last_login=timezone.now())
        return Finished(provider, pending.next_url, user=link.user)
    trusted = provider.trust_email and claims.email_verified
    existing = User.objects.filter(email=email).first()
    if existing is None:
        user = create_account(request, provider, claims, email, verified=trusted)
        return Finished(provider, pending.next_url, user=user)
    if trusted:
        claim_unverified(existing)
        make_link(request, provider, existing, claims, proven=True)
        return Finished(provider, pending.next_url, user=existing)
    return Finished(
        provider, pending.next_url, link_code=hold_link(provider, existing, claims, email, pending.next_url)
    )


def claim_unverified(user: User) -> None:
    """A trusted provider proved the address of an account that never did: the
    address is the provider's person's now, and the account's password, set by
    whoever registered it unproven, no longer opens it (its sessions end with
    it; a reset sets a new one)."""
    with transaction.atomic():
        lock_user(user, as_read=False)
        address = own_address(user)
        if address.verified:
            return
        EmailAddress.objects.filter(pk=address.pk).update(verified=True)
        if user.has_usable_password():
            user.set_unusable_password()
            user.save()


def create_account(request: HttpRequest, provider: IdentityProvider, claims, email: str, *, verified: bool) -> User:
    """A new account for a person the provider signed in, with no password (it
    signs in through the provider, or sets one by a reset)."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, None)
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
            SocialAccount.objects.create(
                user=user, provider=provider.slug, uid=claims.subject, extra_data=extra(claims, proven=verified)
            )
    except IntegrityError:
        raise ExternalLoginRefused(gettext("This sign-in raced another one. Please sign in again.")) from None
    announce(EventType.USER_REGISTERED, user=user, request=request)
    announce(EventType.IDENTITY_LINKED, user=user, request=request)
    return user


def extra(claims, *, proven: bool) -> dict:
    """What a link keeps: the address as the provider gave it, and whether the link
    is proven (a trusted provider's verified address, or made after the account's
    own sign-in). An unproven one, made with a new unverified account, goes when a
    password reset takes the address back (`forget_unproven_links`)."""
    return {"email": claims.email, "email_verified": claims.email_verified, "proven": proven}


def make_link(request: HttpRequest, provider: IdentityProvider, user: User, claims, *, proven: bool) -> SocialAccount:
    try:
        with transaction.atomic():
            link = SocialAccount.objects.create(
                user=user, provider=provider.slug, uid=claims.subject, extra_data=extra(claims, proven=proven)
            )
    except IntegrityError:
        raise ExternalLoginRefused(gettext("This sign-in raced another one. Please sign in again.")) from None
    announce(EventType.IDENTITY_LINKED, user=user, request=request)
    get_adapter(request).send_notification_mail(LINKED, user, {"provider_name": provider.name}, user.email)
    return link


def hold_link(provider: IdentityProvider, user: User, claims, email: str, next_url: str) -> str:
    return issue(ExternalLoginCode.Purpose.LINK, provider, user, claims.subject, email, next_url, LINK_TTL)


def issue(purpose, provider, user, subject: str, email: str, next_url: str, ttl: timedelta) -> str:
    fields = {"purpose": purpose, "provider": provider, "user": user, "subject": subject, "email": email}
    return tokens.issue_row(ExternalLoginCode, CODE_PREFIX, ttl, next_url=next_url, **fields)


def issue_login_code(provider: IdentityProvider, user: User) -> str:
    return issue(ExternalLoginCode.Purpose.LOGIN, provider, user, "", "", "", CODE_TTL)


def login_code_url(provider: IdentityProvider, user: User, next_url: str) -> str:
    """`next` with a `login_code` for `user`, which `completeExternalLogin` redeems."""
    code = issue_login_code(provider, user)
    parts = urlsplit(next_url)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=query + urlencode({"login_code": code})))


def take_code(code: str, purpose: str) -> ExternalLoginCode:
    """The row `code` stands for, spent; InvalidKey when unknown or used, ExpiredKey when late."""
    if not isinstance(code, str) or not tokens.is_well_formed(code, CODE_PREFIX):
        raise InvalidKey(ENDED, field="code")
    row = (
        ExternalLoginCode.objects.select_related("user", "provider")
        .filter(digest=tokens.digest(code), purpose=purpose)
        .first()
    )
    if row is None or not ExternalLoginCode.objects.filter(pk=row.pk).delete()[0]:
        raise InvalidKey(ENDED, field="code")
    if row.expires_at <= timezone.now():
        raise ExpiredKey(gettext("This sign-in took too long. Please sign in again."), field="code")
    return row


def sign_in(request: HttpRequest, user: User) -> tuple[AuthToken, str]:
    """The session of a person the provider signed in, past this account's rules."""
    return sessions.login_proven(request, user, METHODS, EventType.EXTERNAL_LOGIN)


def complete_external_login(request: HttpRequest, code: str) -> tuple[AuthToken, str]:
    """Redeem a `login_code`: once, within CODE_TTL."""
    return sign_in(request, take_code(code, ExternalLoginCode.Purpose.LOGIN).user)


def pending_link(code: str) -> ExternalLoginCode | None:
    """The link waiting under `code`, unspent, for the hosted login page to name."""
    if not isinstance(code, str) or not tokens.is_well_formed(code, CODE_PREFIX):
        return None
    row = ExternalLoginCode.objects.select_related("provider").filter(
        digest=tokens.digest(code), purpose=ExternalLoginCode.Purpose.LINK, expires_at__gt=timezone.now()
    )
    return row.first()


def link_after_sign_in(request: HttpRequest, code: str, user: User) -> ExternalLoginCode | None:
    """Make the link waiting under `code`, now that `user` signed in here; only
    the account it was held for may take it (another account's sign-in leaves it)."""
    row = pending_link(code)
    if row is None or row.user_id != user.pk:
        return None
    try:
        row = take_code(code, ExternalLoginCode.Purpose.LINK)
        claims = upstream.Claims(subject=row.subject, email=row.email, email_verified=False)
        make_link(request, row.provider, user, claims, proven=True)
    except (InvalidKey, ExpiredKey, ExternalLoginRefused):
        return None  # spent by a sign-in racing this one, or the identity linked meanwhile
    return row


def forget_unproven_links(sender, request, user, **kwargs) -> None:
    """A password reset (allauth's `password_reset` signal) takes the account back
    for whoever holds the address: a link made with it while unverified, by a
    provider that did not prove the address, may be a stranger's and goes."""
    links = SocialAccount.objects.filter(user_id=user.pk)
    gone = [link.pk for link in links if not (link.extra_data or {}).get("proven")]
    SocialAccount.objects.filter(pk__in=gone).delete()


@dataclass(frozen=True)
class Identity:
    id: str
    provider: IdentityProvider
    email: str | None
    created_at: object
    last_used_at: object


def identities(user: User) -> list[Identity]:
    named = {provider.slug: provider for provider in IdentityProvider.objects.all()}
    links = SocialAccount.objects.filter(user_id=user.pk, provider__in=named).order_by("date_joined", "pk")
    return [
        Identity(
            id=str(link.pk),
            provider=named[link.provider],
            email=link.extra_data.get("email") if isinstance(link.extra_data, dict) else None,
            created_at=link.date_joined,
            last_used_at=link.last_login,
        )
        for link in links
    ]


def unlink_identity(request: HttpRequest, identity_id: str) -> None:
    """Remove one of the caller's links, after a recent sign-in, unless it is
    the last way into the account (no usable password, no passkey, no other link)."""
    token = sessions.recent_session(request)
    user = token.user
    pk = clean_id(identity_id)
    with transaction.atomic():
        lock_user(user, as_read=False)
        link = SocialAccount.objects.filter(pk=pk, user_id=user.pk).first() if pk is not None else None
        if link is None:
            raise NotFound(gettext("No such identity."), field="id")
        others = SocialAccount.objects.filter(user_id=user.pk).exclude(pk=link.pk).exists()
        keys = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.WEBAUTHN)
        passkey = any(key.wrap().is_passwordless for key in keys)
        if not (user.has_usable_password() or passkey or others):
            raise InvalidInput(
                gettext("This is the last way to sign in to the account: set a password or add a passkey first."),
                field="id",
            )
        link.delete()
    provider = IdentityProvider.objects.filter(slug=link.provider).first()
    announce(EventType.IDENTITY_UNLINKED, user=user, request=request)
    name = provider.name if provider else link.provider
    get_adapter(request).send_notification_mail(UNLINKED, user, {"provider_name": name}, user.email)
