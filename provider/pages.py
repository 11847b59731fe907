"""The hosted pages: the login page, where the authorization endpoint sends a
person who is not signed in, and the pages around it (forgot password).

The login page is a face of the same flows as the GraphQL API
(`users.sessions.login`, `factors.login.verify_mfa`,
`factors.login.login_with_passkey`, through `users.sessions.hand_off`), so it has
their rules, locks, limits and messages, with nothing decided here but where
to go next. Its forms post with Django's CSRF token; passkeys need the page's
script (provider/static/provider/login.js), which asks the API for WebAuthn
options and posts the browser's answer in the form.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from allauth.idp.oidc.models import Client
from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_texts
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from factors import login as factor_login
from federation import flows as federation
from federation.views import CODE_COOKIE
from provider import protocol
from provider.endpoints import allow_form_redirect
from users import passwords, sessions
from users import signup as signup_flow
from users.errors import AccountError, AccountErrors, ErrorCode, MfaRequired
from users.models import AuthToken
from users.origins import local_path

LOGIN_TEMPLATE = "provider/login.html"
STATUS = {ErrorCode.RATE_LIMITED: 429, ErrorCode.ACCOUNT_DISABLED: 403}


def next_url(request: HttpRequest) -> str:
    """Where to go after signing in: a path on this service only. Anything
    else (another host, a scheme, `//host`, `/\\host`) is dropped, not followed."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    return local_path(candidate, request.get_host(), secure=request.is_secure())


def resumed_redirect_uri(next_url: str) -> str | None:
    """The redirect URI of the authorization request `next_url` resumes, if its
    client registered it."""
    parts = urlsplit(next_url)
    if parts.path != reverse("idp:oidc:authorization"):
        return None
    params = QueryDict(parts.query)
    uri, client_id = params.get("redirect_uri"), params.get("client_id") or ""
    if "\x00" in f"{uri}{client_id}":  # decoded from %00 here, after the NUL middleware
        return None
    client = Client.objects.filter(id=client_id).first()
    if client and uri and protocol.redirect_uri_registered(client, uri):
        return uri
    return None


def login_hint(next_url: str) -> str:
    """The address the resumed authorization names (OIDC's `login_hint`), to fill in."""
    hint = QueryDict(urlsplit(next_url).query).get("login_hint") or ""
    return hint if len(hint) <= 254 and hint.isprintable() else ""


def credential_field(request: HttpRequest):
    """The browser's WebAuthn answer, posted as JSON text; the flow refuses what
    is not one."""
    raw = request.POST.get("credential") or ""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw


def messages_of(failure: AccountError | AccountErrors) -> list[str]:
    errors = failure.errors if isinstance(failure, AccountErrors) else [failure]
    return [error.message for error in errors]


def page(request: HttpRequest, step: str, status: int = 200, **context) -> HttpResponse:
    resumed = next_url(request)
    context = {
        "step": step,
        "next": resumed,
        "email": login_hint(resumed),
        "identity_providers": federation.providers(),
        "login_path": reverse("hosted-login"),
        **context,
    }
    response = render(request, LOGIN_TEMPLATE, context, status=status)
    # `next` carries the authorization request: told to no other site. (Not
    # no-referrer: then a browser posts the form with "Origin: null", which
    # fails Django's CSRF check.)
    response["Referrer-Policy"] = "same-origin"
    # Where the form may end up: the application the authorization resumes, or a
    # provider an address is routed to.
    routed = [provider.discovery.get("authorization_endpoint") for provider in context["identity_providers"]]
    linking = context.get("linking")
    application = linking.next_url if linking and not federation.on_this_service(linking.next_url) else None
    targets = [*(routed if step == "password" else []), application]
    return allow_form_redirect(response, resumed_redirect_uri(context["next"]), *targets)


@never_cache
@sensitive_post_parameters("password", "code", "credential", "mfa_token")
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return sign_in(request)
    external = request.COOKIES.get(CODE_COOKIE)
    if external:
        return external_sign_in(request, external)
    if request.user.is_authenticated and not next_url(request):
        return page(request, "signed_in")
    if request.user.is_authenticated and request.GET.get("account") == "choose":
        # prompt=select_account: go on as the person signed in, or sign in as another.
        return page(request, "password", current=request.user)
    return page(request, "password")


def sign_in(request: HttpRequest) -> HttpResponse:
    step = request.POST.get("step")
    email = request.POST.get("email", "")
    mfa_token = request.POST.get("mfa_token", "")
    flows: dict[str, Callable[[], tuple[AuthToken, str]]] = {
        "password": lambda: sessions.login(request, email, request.POST.get("password", "")),
        "mfa": lambda: factor_login.verify_mfa(
            request, mfa_token, request.POST.get("code") or None, credential_field(request)
        ),
        "passkey": lambda: factor_login.login_with_passkey(request, credential_field(request)),
    }
    if step not in flows:
        return page(request, "password", 400, errors=[gettext("Sign in with your email address and password.")])
    linking = federation.pending_link(request.COOKIES.get(CODE_COOKIE, ""))
    routed = federation.provider_for_address(email) if step == "password" and not linking else None
    if routed is not None:
        # Home-realm discovery: the domain decides, whether or not the address has an account.
        query = urlencode({"next": next_url(request) or reverse("hosted-login"), "login_hint": email})
        return HttpResponseRedirect(f"{reverse('external-login', args=[routed.slug])}?{query}")
    try:
        signed_in = sessions.hand_off(request, flows[step], cookie=True)
    except MfaRequired as pending:
        return page(request, "mfa", mfa_token=pending.mfa_token, methods=pending.methods, email=email)
    except (AccountError, AccountErrors) as failure:
        code = getattr(failure, "code", ErrorCode.INVALID_INPUT)
        status = STATUS.get(code, 400)
        # A refused mfaToken (spent, expired, out of tries) means starting again.
        if step == "mfa" and getattr(failure, "field", None) != "mfaToken":
            methods = request.POST.getlist("methods")
            return page(request, "mfa", status, errors=messages_of(failure), mfa_token=mfa_token, methods=methods)
        return page(request, "password", status, errors=messages_of(failure), email=email, linking=linking)
    destination = next_url(request) or reverse("hosted-login")
    if linking is not None:
        # The account this person just proved is the one the link waited for: made now.
        linked = federation.link_after_sign_in(request, request.COOKIES[CODE_COOKIE], signed_in.token.user)
        if linked is not None and not federation.on_this_service(linked.next_url):
            destination = federation.login_code_url(linked.provider, signed_in.token.user, linked.next_url)
    response = HttpResponseRedirect(destination)
    signed_in.deliver(response)
    if linking is not None:
        response.delete_cookie(CODE_COOKIE, path=reverse("hosted-login"), samesite="Lax")
    return response


def external_sign_in(request: HttpRequest, code: str) -> HttpResponse:
    """Back from another identity provider (federation/views.py), with its code
    in a cookie: a pending link asks for a sign-in here first; a login code signs
    the browser in, its second factor asked as after a password."""
    linking = federation.pending_link(code)
    if linking is not None:
        return page(request, "password", email=linking.user.email, linking=linking)
    try:
        signed_in = sessions.hand_off(request, lambda: federation.complete_external_login(request, code), cookie=True)
    except MfaRequired as pending:
        response = page(request, "mfa", mfa_token=pending.mfa_token, methods=pending.methods)
    except (AccountError, AccountErrors) as failure:
        status = STATUS.get(getattr(failure, "code", ErrorCode.INVALID_INPUT), 400)
        response = page(request, "password", status, errors=messages_of(failure))
    else:
        response = HttpResponseRedirect(next_url(request) or reverse("hosted-login"))
        signed_in.deliver(response)
    response.delete_cookie(CODE_COOKIE, path=reverse("hosted-login"), samesite="Lax")
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def forgot_password(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link: `requestPasswordReset`'s page, with its answer,
    the same whether the address has an account or not."""
    context: dict = {"email": request.POST.get("email", "")}
    status = 200
    if request.method == "POST":
        try:
            passwords.request_password_reset(request, context["email"])
            context["sent"] = True
        except (AccountError, AccountErrors) as failure:
            context["errors"] = messages_of(failure)
            status = STATUS.get(getattr(failure, "code", None), 400)
    return render(request, "provider/forgot_password.html", context, status=status)


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account: `register`'s page, with its rules and limits, and its
    answer, the same whether the address was taken or not ("check your mail").
    `next` (an application's authorization, from `prompt=create`) rides in the
    verification link, whose page then offers to go back to it."""
    context: dict = {
        "email": request.POST.get("email", ""),
        "next": next_url(request),
        "password_rules": password_validators_help_texts(),
        "days": settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS,
    }
    status = 200
    if request.method == "POST":
        try:
            signup_flow.register(
                request, context["email"], request.POST.get("password", ""), continue_to=context["next"]
            )
            context["sent"] = True
        except (AccountError, AccountErrors) as failure:
            context["errors"] = messages_of(failure)
            status = STATUS.get(getattr(failure, "code", None), 400)
    response = render(request, "provider/signup.html", context, status=status)
    response["Referrer-Policy"] = "same-origin"  # `next` carries the authorization request
    return response


@never_cache
@require_http_methods(["GET"])
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own account page. It decides nothing: its script
    (provider/static/provider/account.js) calls the API with the session cookie,
    so each change has the API's rules, its step-up among them."""
    if not request.user.is_authenticated:
        query = urlencode({"next": reverse("hosted-account")})
        return HttpResponseRedirect(f"{reverse('hosted-login')}?{query}")
    context = {
        "password_rules": password_validators_help_texts(),
        "languages": settings.LANGUAGES,
        "language": request.user.language or get_language(),
    }
    response = render(request, "provider/account.html", context)
    response["Referrer-Policy"] = "same-origin"  # its POSTs to the API carry this origin
    return response
