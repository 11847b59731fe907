"""Who is signed in on the hosted pages, and what ends the provider's grants.

A sign-in on the hosted login page is a session like any other (one
`users.models.AuthToken`), held by the browser in the service's HttpOnly
session cookie, the one the API's cookie mode uses: so it is listed in
`me.sessions` and ended by `logoutAll`, `revokeSession`, a password change and
deactivation, with no second kind of session to keep in step. Django's own
session (the admin's) signs nobody in here.

The cookie is `SameSite=Lax`: it comes with a top-level navigation from an
application (the authorization request) but not with another site's POST, and
every POST these pages accept carries Django's CSRF token besides.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from rest_framework.exceptions import AuthenticationFailed

from provider import logout
from provider.models import GrantSession
from provider.protocol import revoke_grant, revoke_tokens
from users.authentication import TokenAuthentication, clear_session_cookie, session_cookie_name
from users.models import AuthToken, session_replaced, sessions_ended

# The provider's endpoints and the hosted pages; nothing else reads the cookie
# this way (the API applies its own rules, users.authentication).
HOSTED_PREFIXES = ("/identity/", "/login", "/forgot-password", "/device", "/account")


def signed_in(request) -> None:
    """Set `request.user` and `request.auth` from the session cookie alone."""
    request.user, request.auth = AnonymousUser(), None
    try:
        found = TokenAuthentication().authenticate_cookie(request)
    except AuthenticationFailed:
        request.session_ended = True  # a dead cookie is dropped
    else:
        if found is not None:
            request.user, request.auth = found

    async def auser():
        return request.user

    request.auser = auser


class HostedSessionMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(HOSTED_PREFIXES):
            signed_in(request)
        response = self.get_response(request)
        if getattr(request, "session_ended", False) and session_cookie_name() not in response.cookies:
            clear_session_cookie(response)  # unless this answer hands over a new one
        return response


@receiver(post_delete, sender=GrantSession)
def end_grant(sender, instance: GrantSession, **kwargs) -> None:
    """A sign-in ended (logoutAll, revokeSession, signing out; its row goes with
    it): what applications were given through it ends too, the grant's whole
    chain of refresh and access tokens."""
    revoke_grant(instance.user_id, instance.client_id, instance.grant_id)


@receiver(session_replaced)
def follow_the_person(sender, replaced: AuthToken, session: AuthToken, **kwargs) -> None:
    """Signing in again in the same browser as the same person (prompt=login,
    max_age, a step-up) starts a new session: the applications' grants move to
    it rather than end with the old one, and keep the sid their ID tokens name."""
    if replaced.user_id == session.user_id:
        GrantSession.objects.filter(session=replaced).update(session=session)


@receiver(pre_delete, sender=AuthToken)
def tell_applications(sender, instance: AuthToken, **kwargs) -> None:
    """A sign-in is ending: the applications given tokens through it hear so
    (back-channel logout), read while its grants are still there."""
    logout.sign_in_ended(instance.pk)


@receiver(sessions_ended)
def revoke_grants(sender, user, **kwargs) -> None:
    """A new password or a deactivation ends what applications hold too: their
    refresh tokens, and the rows introspection and allauth's resource-server
    class check access tokens against. (JWTs already verified offline live out
    their few minutes: IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN.) Those still holding
    grants through a session that stays (the caller's) hear the account signed out."""
    revoke_tokens(user.pk)
    logout.account_signed_out(user.pk)
