"""The pages that email links land on.

Opening a link changes nothing on the server (mail scanners prefetch links, and
some render them in a browser that runs their scripts): a page may read its key
to show what it is about, and a person's click calls the GraphQL API.
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from users import cleaning, credentials, signup
from users.errors import AccountError, ExpiredKey
from users.origins import local_path


def key_page(template: str, describe: Callable[[str], dict] | None = None):
    @never_cache  # the key is in the URL: kept in no cache
    def view(request: HttpRequest, key: str) -> HttpResponse:
        context = {"key": key, "login_url": settings.LOGIN_PAGE_URL}
        if describe is not None:
            context.update(describe(key))
        continues_to = local_path(request.GET.get("next"), request.get_host(), secure=request.is_secure())
        if continues_to and context.get("email"):
            # Back to the application's authorization, the address filled in (OIDC's login_hint).
            joint = "&" if "?" in continues_to else "?"
            context["continue_url"] = f"{continues_to}{joint}{urlencode({'login_hint': context['email']})}"
        response = render(request, template, context)
        # Nor sent to another site. Django's SecurityMiddleware sets one policy for
        # the whole site and has no per-view decorator; these pages need a stricter one.
        response["Referrer-Policy"] = "no-referrer"
        return response

    return view


def key_state(read: Callable[[str], dict]) -> Callable[[str], dict]:
    """The page's first state from reading (never spending) its key."""

    def describe(key: str) -> dict:
        try:
            return {"state": "confirm", **read(cleaning.clean_key(key))}
        except ExpiredKey:
            return {"state": "expired"}
        except AccountError:
            return {"state": "invalid"}

    return describe


verify_email = key_page(
    "pages/verify_email.html",
    key_state(lambda key: {"email": signup.pending_address(key).email}),
)
reset_password = key_page("pages/reset_password.html")
unlock_account = key_page(
    "pages/unlock_account.html",
    key_state(lambda key: {"email": credentials.user_of_unlock_key(key).email}),
)
