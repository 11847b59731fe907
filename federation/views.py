"""The browser's way through another identity provider:
`PUBLIC_URL/login/external/<provider>?next=<url>` sends it there, and the
provider sends it back to `.../callback`, which leaves it at `next` with a
`login_code` (an application's page), or, for the service's own pages (an
OIDC authorization, the hosted login), at the hosted login page, which signs
it in from a cookie (provider/pages.py). No token travels in a URL but the
one-use, 60-second `login_code`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from federation import flows
from users.errors import AccountError, ErrorCode

# The browser's half of a sign-in's `state` (login CSRF), and the code the
# hosted login page redeems or links: HttpOnly, sent back on the provider's
# top-level redirect (SameSite=Lax), nowhere but these paths.
STATE_COOKIE = "gqa_external_state"
CODE_COOKIE = "gqa_external"
STATUS = {ErrorCode.NOT_FOUND: 404, ErrorCode.RATE_LIMITED: 429}


def refused(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "federation/refused.html", {"message": message}, status=status)


def set_cookie(response: HttpResponse, name: str, value: str, path: str, seconds: int) -> None:
    response.set_cookie(name, value, max_age=seconds, path=path, secure=settings.HTTPS, httponly=True, samesite="Lax")


@never_cache
@require_GET
def start(request: HttpRequest, slug: str) -> HttpResponse:
    next_url = request.GET.get("next") or reverse("hosted-login")
    try:
        started = flows.start(request, slug, next_url, request.GET.get("login_hint", ""))
    except AccountError as failure:
        return refused(request, failure.message, STATUS.get(failure.code, 400))
    response = HttpResponseRedirect(started.url)
    set_cookie(response, STATE_COOKIE, started.state, "/login/external/", int(flows.STATE_TTL.total_seconds()))
    return response


@never_cache
@require_GET
def callback(request: HttpRequest, slug: str) -> HttpResponse:
    browser_state = request.COOKIES.get(STATE_COOKIE, "")
    try:
        finished = flows.finish(request, slug, request.GET, browser_state)
    except AccountError as failure:
        response = refused(request, failure.message, STATUS.get(failure.code, 400))
    except flows.ExternalLoginRefused as failure:
        response = refused(request, str(failure))
    else:
        response = leave(finished)
    if browser_state and browser_state == request.GET.get("state"):
        # Spent. (A callback with a state this browser did not start leaves its own alone.)
        response.delete_cookie(STATE_COOKIE, path="/login/external/", samesite="Lax")
    return response


def leave(finished: flows.Finished) -> HttpResponse:
    login_page = reverse("hosted-login")
    if finished.link_code:
        response = HttpResponseRedirect(f"{login_page}?{urlencode({'next': finished.next_url})}")
        set_cookie(response, CODE_COOKIE, finished.link_code, login_page, int(flows.LINK_TTL.total_seconds()))
        return response
    if not flows.on_this_service(finished.next_url):
        return HttpResponseRedirect(flows.login_code_url(finished.provider, finished.user, finished.next_url))
    code = flows.issue_login_code(finished.provider, finished.user)
    response = HttpResponseRedirect(f"{login_page}?{urlencode({'next': finished.next_url})}")
    set_cookie(response, CODE_COOKIE, code, login_page, int(flows.CODE_TTL.total_seconds()))
    return response
