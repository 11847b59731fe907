"""A Django admin sign-in is a session like the others.

Django's admin keeps its sign-in in Django's session, which nothing else here
knows: `logoutAll`, `revokeSession` and the account's list of sessions would
not see it, and it would last Django's two weeks. So each admin sign-in also
opens an `AuthToken` (whose secret nobody keeps: it authenticates no API
request) that Django's session names. The admin site asks for it at every
request (users/admin_site.py): it lives `ADMIN_SESSION_SECONDS`, is listed in
`me.sessions`, and ends, with the admin sign-in, when `logoutAll`,
`revokeSession`, a new password or a deactivation deletes its row.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from users import token_lookup
from users.adapter import client_ip
from users.locking import lock_user
from users.models import AuthToken, User

SESSION_KEY = "gqlauth_admin_session"


def lifetime() -> timedelta:
    return timedelta(seconds=settings.ADMIN_SESSION_SECONDS)


def open_session(request: HttpRequest, user: User) -> AuthToken:
    """The session of the admin sign-in `request` has just made."""
    with transaction.atomic():
        lock_user(user)  # as a login: no session outlives a password change racing it
        token, _ = AuthToken.objects.issue(
            user,
            user_agent=request.headers.get("User-Agent", ""),
            ip_address=client_ip(request),
            lifetime=lifetime(),
        )
    request.session[SESSION_KEY] = token.pk
    return token


def lives(request: HttpRequest) -> bool:
    """Whether the admin sign-in of `request` still stands on a live session;
    one that does not is signed out, so the admin asks for a new sign-in."""
    user = request.user
    if not user.is_authenticated:
        return False
    found = getattr(request, "_admin_session", None)
    if found is None:
        pk = request.session.get(SESSION_KEY)
        token = AuthToken.objects.live().filter(pk=pk, user=user).first() if pk else None
        found = token is not None and token.password_digest == user.password_digest and user.is_active
        request._admin_session = found
        if found:
            token_lookup.touch(token, timezone.now())  # as the API's sessions show their last use
        if not found:
            # Signed out as logout() does, without its user_logged_out: the session
            # ended elsewhere (and was recorded there); nobody signed out here.
            request.session.flush()
            request.user = AnonymousUser()
    return found


def current(request: HttpRequest) -> AuthToken | None:
    """The session of this admin sign-in, to keep through its own password change."""
    pk = request.session.get(SESSION_KEY)
    return AuthToken.objects.filter(pk=pk, user_id=request.user.pk).first() if pk else None


def close_session(request: HttpRequest) -> None:
    pk = request.session.get(SESSION_KEY)
    if pk:
        AuthToken.objects.filter(pk=pk).delete()
