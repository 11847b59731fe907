"""Logging in and the sessions it makes: login, logout, logoutAll,
revokeSession, and unlockAccount (the way past the login lock).

A session is one API token (`users.models.AuthToken`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import user_logged_in, user_logged_out
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from django.middleware.csrf import rotate_token
from django.utils import timezone
from django.utils.translation import gettext

from users import credentials, ratelimits, stages
from users.adapter import client_ip
from users.authentication import check_cookie_can_be_kept, cookie_session, replace_cookie_session
from users.cleaning import clean_all, clean_email, clean_id, clean_key, clean_password
from users.errors import AccountDisabled, EmailNotVerified, NotAuthenticated, NotFound, ReauthenticationRequired
from users.events import EventType, announce
from users.locking import lock_user
from users.mail import send_verification
from users.models import AuthToken, User, own_address


def login(request: HttpRequest, email: str, password: str) -> tuple[AuthToken, str]:
    """Check the password and issue a new token: one login session.

    The password passes the one gate (`users.credentials.check`) with its locks;
    then, unlike `django.contrib.auth.authenticate`, whose backends answer None
    alike for a wrong password and a deactivated account, the rightful owner is
    told which of the two it is. Then the login stages (users/stages.py) may
    stop it: an account with a second factor gets no session yet, MfaRequired
    carrying the mfaToken that `verifyMfa` completes.
    """
    email, password = clean_all(lambda: clean_email(email), lambda: clean_password(password))
    user = credentials.check(request, email, password)
    admit(request, user)
    stages.begin(request, user, PASSWORD)
    return start_session(request, user)


def login_proven(request: HttpRequest, user: User, methods: Sequence[str], proof: EventType) -> tuple[AuthToken, str]:
    """A login whose first step was proved elsewhere, by `methods` (an upstream
    identity provider's sign-in): what follows a right password follows it too,
    the account's locks (a locked account is refused as its password would be),
    its admission and its stages (a second factor asked). `proof` is recorded
    once the account took it, before any second step."""
    credentials.check_factor(request, user, lambda: True)
    admit(request, user)
    announce(proof, user=user, request=request)
    stages.begin(request, user, methods)
    return start_session(request, user, methods=methods)


def admit(request: HttpRequest, user: User) -> None:
    """Whether an account that proved itself may have a session: active, and its
    address verified (else it is mailed a fresh link)."""
    if not user.is_active:
        raise AccountDisabled()
    # The flow needs the row (to mail it), so it reads the rule's answer off it.
    address = own_address(user)
    if not address.verified:
        send_verification(request, address, signup=False)
        raise EmailNotVerified()
    user.email_verified = True  # just checked: the answer need not ask again


# RFC 8176: what a login by password alone proved.
PASSWORD = ("pwd",)


def start_session(
    request: HttpRequest, user: User, *, with_factor: bool = False, methods: Sequence[str] = PASSWORD
) -> tuple[AuthToken, str]:
    """Issue a session to `user`, who has passed every check of a login (a
    second factor among them: `with_factor`) by `methods` (RFC 8176 values)."""
    with transaction.atomic():
        # Serialised with logoutAll, password changes and deactivation, so no
        # token issued before those survives them (it is bound to the password too).
        lock_user(user)
        token, secret = AuthToken.objects.issue(
            user,
            user_agent=request.headers.get("User-Agent", ""),
            ip_address=client_ip(request),
            with_factor=with_factor,
            methods=methods,
        )
        # Django's own receiver records last_login; others may audit. Still under
        # the lock: a deleteAccount waiting on the row lands after them, not
        # between the session and them (a save of a gone row fails).
        user_logged_in.send(sender=User, request=request, user=user)
    # The rest of this request acts as the new session, as django.contrib.auth's
    # login() does: the answer may show the user its own email and sessions.
    request.user, request.auth = user, token
    return token, secret


@dataclass
class SignedIn:
    """A finished login as a face hands it to its client: the new session and
    its secret (shown once), and whether a browser gets it in the cookie."""

    request: HttpRequest
    token: AuthToken
    secret: str
    in_cookie: bool
    replaced: AuthToken | None  # the cookie's session before this login

    def deliver(self, response: HttpResponseBase) -> None:
        """Put the session in the cookie, for a browser sign-in: the cookie's old
        session ends, and, as django.contrib.auth's login() does, no CSRF token
        outlives the sign-in."""
        if self.in_cookie:
            replace_cookie_session(response, self.token, self.secret, self.replaced)
            rotate_token(self.request)


def hand_off(request: HttpRequest, flow: Callable[[], tuple[AuthToken, str]], *, cookie: bool) -> SignedIn:
    """Run a flow that completes a login (`login`, `verify_mfa`, a passkey
    login) and hand its session over: the one way every face (GraphQL, the
    hosted pages) signs a person in. The flow's refusals (MfaRequired among
    them) are raised as they come; the face says them in its own words."""
    replaced = cookie_session(request)  # read before the flow makes `request` the new session's
    if cookie:
        check_cookie_can_be_kept(request)
    token, secret = flow()
    return SignedIn(request, token, secret, cookie, replaced)


def current_token(request: HttpRequest) -> AuthToken:
    """The token this request was made with; its absence means nobody is logged in."""
    token = getattr(request, "auth", None)
    if not isinstance(token, AuthToken):
        raise NotAuthenticated()
    return token


def recent_session(request: HttpRequest) -> AuthToken:
    """The caller's session, if its owner proved it is them (a login or
    `reauthenticate`) within REAUTHENTICATION_TIMEOUT_SECONDS: what a sensitive
    mutation needs (ASVS 3.7.1)."""
    token = current_token(request)
    oldest = timezone.now() - timedelta(seconds=settings.REAUTHENTICATION_TIMEOUT_SECONDS)
    if token.authenticated_at < oldest:
        raise ReauthenticationRequired()
    return token


def mark_authenticated(token: AuthToken, *, with_factor: bool, methods: Sequence[str] = PASSWORD) -> None:
    """Record that the session's owner has just proved it is them again, with a
    second factor or not, by `methods` (the latest proof is the one that counts)."""
    token.authenticated_at = timezone.now()
    token.authenticated_with_factor = with_factor
    token.methods = " ".join(methods)
    AuthToken.objects.filter(pk=token.pk).update(
        authenticated_at=token.authenticated_at, authenticated_with_factor=with_factor, methods=token.methods
    )


def logout(request: HttpRequest) -> None:
    """Revoke the token this request was made with."""
    token = current_token(request)
    token.delete()
    user_logged_out.send(sender=User, request=request, user=token.user)


def logout_all(request: HttpRequest) -> None:
    """Revoke every token of the caller, this one included."""
    user = current_token(request).user
    with transaction.atomic():
        lock_user(user, as_read=False)
        AuthToken.objects.filter(user=user).delete()
    user_logged_out.send(sender=User, request=request, user=user)


def revoke_session(request: HttpRequest, session_id: str) -> None:
    """Revoke one of the caller's own sessions.

    Someone else's session and one that does not exist answer alike, so ids
    tell nothing about other accounts.
    """
    user = current_token(request).user
    pk = clean_id(session_id)
    deleted, _ = AuthToken.objects.filter(pk=pk, user=user).delete() if pk is not None else (0, None)
    if not deleted:
        raise NotFound(gettext("No such session."), field="id")
    announce(EventType.SESSION_REVOKED, user=user, request=request)


def unlock_account(request: HttpRequest, key: str) -> None:
    """Let the caller's network past the account-wide lock, with the emailed key."""
    key = clean_key(key)
    ratelimits.hit(request, "unlock_account")
    credentials.unlock(request, credentials.user_of_unlock_key(key))
