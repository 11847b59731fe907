"""The one gate every password and second-factor check passes, and the locks it keeps.

Every login by password (GraphQL `login` and the hosted login page, both
through `users.sessions.login`), `changePassword`'s current password, a
password `reauthenticate`, and Django's `authenticate()` (the admin's login
form: `users.backends.EmailBackend`) call `check`, and every second factor
(`verifyMfa`, passkey logins, `reauthenticate`) calls `check_factor`, so they
share one set of counts:

- every attempt, per client IP (`login`);
- failures per client IP, against password spraying, and per (account, client
  network: its address, IPv6 by /64), Auth0's brute-force lock (`login_failed`);
- failures per account whatever their source, ASVS 2.2.1's ceiling
  (`login_failed_account`). Past it, the owner is mailed a link that exempts the
  network they open it from (`unlock`), and a password reset lifts it.

Counts are taken before the password is hashed, so a locked account costs no
hashing and the right password cannot pass a lock; a right password takes its
failure counts back. Lock keys carry a digest of the password hash: a new
password starts new counts.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from allauth.account.adapter import get_adapter
from allauth.core.internal import ratelimit as limiter
from django.conf import settings
from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from users import ratelimits, signed_keys
from users.cache_keys import cache_key
from users.errors import InvalidCode, InvalidCredentials, InvalidKey, RateLimited
from users.events import EventType, announce
from users.jobs import job, origin, replayed
from users.models import User

UNLOCK_SALT = "gql_auth.unlock"

ACCOUNT_LOCKED = gettext_lazy(
    "Too many attempts on this account. If it is yours, we have emailed you a link "
    "that lets you sign in again, or you can reset your password."
)


def check(request: HttpRequest, email: str, password: str) -> User:
    """The account whose password `password` is, or raise InvalidCredentials or
    RateLimited. `email` is already normalised. The user may be inactive or
    unverified: what that means is the caller's to say."""
    ratelimits.hit(request, "login")
    user = User.objects.filter(email=email).first()
    attempt = count_failure(request, email, epoch(email, user))
    started = time.perf_counter()
    if user is None or not user.check_password(password):
        even_out(user, password, started)
        # Queued for an unknown address too (it announces nothing): the same work.
        announce_failure.enqueue(origin(request), EventType.LOGIN_FAILED, user.pk if user else None)
        raise InvalidCredentials()
    attempt.rollback()
    return user


# The time the preferred hasher takes to hash here, as last measured (seconds).
preferred_hash_seconds: float | None = None


def even_out(user: User | None, password: str, started: float) -> None:
    """Make a failed check cost what a check of the preferred hasher (Argon2
    at the service's parameters) costs, so timing tells neither whether the
    address has an account nor how its password is stored. An unknown address
    hashes the password once, as a real check would, and measures that hash:
    the only measure, never an account's own hash, whose cost a file chose. An
    account without a usable password, or with a hash of no hasher listed,
    had Django's own equal work. Any other hash than the preferred one
    (imported bcrypt, PBKDF2, Argon2 at other parameters, until the first
    login upgrades it) waits out the rest of the measured time."""
    global preferred_hash_seconds
    if user is not None:
        if not user.has_usable_password():
            return
        try:
            hasher = identify_hasher(user.password)
        except ValueError:
            return
        preferred = get_hasher()
        if hasher.algorithm == preferred.algorithm and not preferred.must_update(user.password):
            return  # its check was one such hash
        if preferred_hash_seconds is not None:
            time.sleep(max(0.0, preferred_hash_seconds - (time.perf_counter() - started)))
            return
    began = time.perf_counter()
    make_password(password)
    preferred_hash_seconds = time.perf_counter() - began


def check_factor(request: HttpRequest, user: User, verify: Callable[[], object]) -> object:
    """Check a second factor of `user` (`verify` returns something true when it is
    right) behind the same counts and locks as its password: a wrong code is a
    failed login of the account. Raise InvalidCode or RateLimited."""
    ratelimits.hit(request, "login")
    attempt = count_failure(request, user.email, epoch(user.email, user))
    proof = verify()
    if not proof:
        announce_failure.enqueue(origin(request), EventType.MFA_FAILED, user.pk)
        raise InvalidCode()
    attempt.rollback()
    return proof


def count_client_failure(request: HttpRequest) -> None:
    """A failed attempt that names no account (a passkey answer naming no key of
    any): counted against the client alone, in its per-IP ceilings."""
    ratelimits.hit(request, "login")
    ratelimits.hit(request, "login_failed", key=f"|{network(request)}|")


def count_failure(request: HttpRequest, email: str, epoch: str) -> ratelimits.Attempt:
    """Count an attempt at the account's credentials as a failure, to be rolled back
    once it proves right; raise RateLimited while the account is locked to this
    network. `epoch` is the account's lock epoch (`epoch`)."""
    where = network(request)
    try:
        attempt = ratelimits.hit(request, "login_failed", key=f"{email}|{where}|{epoch}")
    except RateLimited:
        # Known or not, the same work before the answer: the account is looked up after.
        announce_network_lock.enqueue(origin(request), email, where)
        raise
    if not is_unlocked(email, epoch, where):
        try:
            attempt.join(ratelimits.hit(request, "login_failed_account", key=f"{email}|{epoch}"))
        except RateLimited:
            attempt.rollback()
            # Known or not, the same work before the answer: the owner is looked up after.
            send_locked_notice.enqueue(origin(request), email)
            raise RateLimited(ACCOUNT_LOCKED) from None
    return attempt


@job
def announce_failure(origin: dict, event_type: str, user_id: int | None) -> None:
    """A failed attempt at `user`'s credentials, announced at most `audit_failures`
    times per account (RATE_LIMITS): a flood of guesses becomes a few events and
    then the one LOGIN_LOCKED of the lock, not an event per guess. A queued job
    (users.jobs), so a known account costs no visible extra time; for an
    unknown address (`user_id` None) nothing is announced."""
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    if user is None:
        return
    with replayed(origin) as request:
        if ratelimits.allows(request, "audit_failures", key=str(user.pk)):
            announce(EventType(event_type), user=user, request=request)


@job
def announce_network_lock(origin: dict, email: str, where: str) -> None:
    """A refused attempt at a locked account from this network: one LOGIN_LOCKED
    per lock (`audit_locks`), not one per attempt; nothing for an unknown address."""
    user = User.objects.filter(email=email).first()
    if user is None:
        return
    with replayed(origin) as request:
        if ratelimits.allows(request, "audit_locks", key=f"{email}|{where}|{epoch(email, user)}"):
            announce(EventType.LOGIN_LOCKED, user=user, request=request)


def lock_seconds() -> int:
    """How long the account-wide lock, an unlock link and its exemption last: the
    window of the account-wide rate (an hour unless RATE_LIMITS says otherwise)."""
    rate = (settings.RATE_LIMITS.get("login_failed_account") or "1/h").split(",")[0]
    return int(limiter.parse_rate(rate.strip()).duration)


def network(request: HttpRequest) -> str:
    """The client as the locks count it: its address, an IPv6 one cut to its /64 as
    allauth's limiter cuts it (one host holds a whole /64 to rotate through)."""
    return limiter.truncate_ip(get_adapter(request).get_client_ip(request))


@job
def send_locked_notice(origin: dict, email: str) -> None:
    """Mail an active account's owner, once per lock, a link that lets them in past it."""
    user = User.objects.filter(email=email, is_active=True).first()
    if user is not None:
        with replayed(origin) as request:
            mail_unlock_link(request, user)


def mail_unlock_link(request: HttpRequest, user: User) -> None:
    email = user.email
    if not ratelimits.allows(request, "login_locked_mail", key=f"{email}|{epoch(email, user)}"):
        return
    announce(EventType.LOGIN_LOCKED, user=user, request=request)  # once per lock, as the mail
    adapter = get_adapter(request)
    key = signing.dumps([user.pk, user.password_digest[:16]], salt=UNLOCK_SALT, compress=True)
    adapter.send_mail(
        "account/email/login_locked",
        user.email,
        {
            "user": user,
            "unlock_url": adapter.get_unlock_account_url(key),
            "lock_hours": max(1, lock_seconds() // 3600),
        },
    )


def user_of_unlock_key(key: str) -> User:
    """The active account an unlock key was made for, while its password is unchanged."""
    payload = signed_keys.loads(key, salt=UNLOCK_SALT, max_age=lock_seconds())
    user_id, epoch = payload if isinstance(payload, list) and len(payload) == 2 else (None, None)
    user = User.objects.filter(pk=user_id, is_active=True).first() if isinstance(user_id, int) else None
    if user is None or user.password_digest[:16] != epoch:
        raise InvalidKey(field="key")
    return user


def unlock(request: HttpRequest, user: User) -> None:
    """Exempt the caller's network from `user`'s account-wide lock while it lasts.
    The per-(account, network) lock still holds there, so whoever shares it gains little."""
    cache.set(unlock_key(user.email, epoch(user.email, user), network(request)), True, lock_seconds())


def is_unlocked(email: str, lock_epoch: str, where: str) -> bool:
    # Looked up for unknown addresses too (nothing is ever stored for them): the same work.
    return cache.get(unlock_key(email, lock_epoch, where)) is not None


def unlock_key(email: str, lock_epoch: str, where: str) -> str:
    # Hashed: the cache holds no address.
    return cache_key("unlocked", email, lock_epoch, where)


def epoch(email: str, user: User | None) -> str:
    """What the account's lock counts are keyed by: its password digest (so a
    reset lifts the locks) and the generation staff last cleared them at
    (`clear_locks`). Read for unknown addresses too: the same work."""
    generation = cache.get(generation_key(email), "")
    return (user.password_digest if user is not None else "") + generation


def clear_locks(user: User) -> None:
    """Lift every brute-force lock on the account, from every network, at once:
    its counts are keyed by the epoch, which moves on. (They cannot be listed:
    one is kept per network.) Kept for good: were it to expire, the epoch would
    return to an old one and bring back the locks it lifted."""
    cache.set(generation_key(user.email), secrets.token_hex(8), None)


def generation_key(email: str) -> str:
    return cache_key("lock_generation", email)
