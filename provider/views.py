"""The hosted login page, where the authorization endpoint sends a person who is
not signed in, and the pages around it.

The page is a face of the same flows as the GraphQL API (`users.sessions.login`,
`factors.login.verify_mfa`, `factors.login.login_with_passkey`), so it has
their rules, locks, limits and messages, with nothing decided here but where
to go next. Its forms post with Django's CSRF token; passkeys need the page's
script (provider/static/provider/login.js), which asks the API for WebAuthn
options and posts the browser's answer in the form.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlsplit

from allauth.idp.oidc import views as oidc_views
from allauth.idp.oidc.internal.oauthlib.server import get_server
from allauth.idp.oidc.internal.oauthlib.utils import extract_params, respond_html_error
from allauth.idp.oidc.internal.resources import get_resources
from allauth.idp.oidc.models import Client, Token
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from oauthlib.oauth2.rfc6749 import errors as oauth_errors

from factors import login as factor_login
from provider import protocol
from users import passwords, sessions
from users.errors import AccountError, AccountErrors, ErrorCode, MfaRequired
from users.models import AuthToken

LOGIN_TEMPLATE = "provider/login.html"
STATUS = {ErrorCode.RATE_LIMITED: 429, ErrorCode.ACCOUNT_DISABLED: 403}


def next_url(request: HttpRequest) -> str:
    """Where to go after signing in: a path on this service only. Anything
    else (another host, a scheme, `//host`, `/\\host`) is dropped, not followed."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def resumed_redirect_uri(next_url: str) -> str | None:
    """The redirect URI of the authorization request `next_url` resumes, if its
    client registered it."""
    parts = urlsplit(next_url)
    if parts.path != reverse("idp:oidc:authorization"):
        return None
    params = QueryDict(parts.query)
    uri = params.get("redirect_uri")
    client = Client.objects.filter(id=params.get("client_id") or "").first()
    if client and uri and protocol.redirect_uri_registered(client, uri):
        return uri
    return None


def allow_form_redirect(response: HttpResponseBase, uri: str | None) -> HttpResponseBase:
    """The page's form ends, a redirect or two later, at `uri`: an application's
    registered redirect URI. CSP's `form-action` ('self' everywhere) also binds
    the redirects a form submission follows, so this response names that one
    target too, and no other."""
    if uri:
        parts = urlsplit(uri)
        response._csp_update = {
            "form-action": [f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:"]
        }
    return response


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
    context = {"step": step, "next": next_url(request), **context}
    response = render(request, LOGIN_TEMPLATE, context, status=status)
    # `next` carries the authorization request: told to no other site. (Not
    # no-referrer: then a browser posts the form with "Origin: null", which
    # fails Django's CSRF check.)
    response["Referrer-Policy"] = "same-origin"
    return allow_form_redirect(response, resumed_redirect_uri(context["next"]))


@never_cache
@sensitive_post_parameters("password", "code", "credential", "mfa_token")
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return sign_in(request)
    if request.user.is_authenticated and not next_url(request):
        return page(request, "signed_in")
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
        return page(request, "password", 400, errors=["Sign in with your email address and password."])
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
        return page(request, "password", status, errors=messages_of(failure), email=email)
    response = HttpResponseRedirect(next_url(request) or reverse("hosted-login"))
    signed_in.deliver(response)
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


@method_decorator(never_cache, name="dispatch")
class AuthorizationView(oidc_views.AuthorizationView):
    """allauth's authorization endpoint, with this service's rules
    (provider/protocol.py and `refusal` below): a request it would refuse is refused before
    the person is asked to sign in (nobody types a password for an unknown
    client or a redirect URI it never registered, RFC 6749 4.1.2.1); redirect
    URIs match exactly; PKCE is S256; `max_age` is honoured; `prompt=none`
    never stands in for a consent not given; each code is bound to the sign-in
    that made it."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().dispatch(request, *args, **kwargs)
        if response.status_code == 302 and isinstance(request.auth, AuthToken):
            code = protocol.code_in(response["Location"])
            if code:
                protocol.bind(code, request.auth, self._request_info["client_id"])
        return response

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return self.refusal(request) or super().get(request, *args, **kwargs)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        params = request.GET
        client = Client.objects.filter(id=params.get("client_id") or "").first()
        uri = params.get("redirect_uri")
        if client is None or uri is None:
            return None  # allauth's own refusal, on its page
        if not protocol.redirect_uri_registered(client, uri):
            return refused(request, "The application's redirect URI is not one it registered.")
        state = params.get("state")
        if params.get("response_mode", "query") != "query":
            # A code in a fragment or a form post would pass no binding (protocol.code_in).
            return to_client(uri, oauth_errors.InvalidRequestError("Only response_mode=query.", state=state))
        if params.get("code_challenge") and params.get("code_challenge_method") != "S256":
            return to_client(uri, oauth_errors.InvalidRequestError("PKCE must use S256.", state=state))
        if "claims" in params and not is_json_object(params["claims"]):
            # oauthlib's own refusal of it has no redirect URI yet: allauth answered 500.
            return to_client(uri, oauth_errors.InvalidRequestError("Malformed claims parameter.", state=state))
        if not request.user.is_authenticated:
            return None
        prompts = params.get("prompt", "").split()
        if "login" in prompts or self.too_old(request, params.get("max_age")):
            if "none" in prompts:
                return to_client(uri, oauth_errors.LoginRequired(state=state))
            # Once signed in again the sign-in is new: `max_age` and `prompt=login`
            # have been met, and the ID token's auth_time says when (the client
            # checks it). allauth's own answer to prompt=login is its
            # reauthentication page, which this service does not serve.
            again = without(request.get_full_path(), "max_age")
            rest = [prompt for prompt in prompts if prompt != "login"]
            return redirect_to_login(with_param(again, "prompt", " ".join(rest)) if rest else without(again, "prompt"))
        if "none" in prompts and not client.skip_consent and not self.consented(request, client, params):
            return to_client(uri, oauth_errors.ConsentRequired(state=state))
        return None

    @staticmethod
    def consented(request: HttpRequest, client: Client, params) -> bool:
        """Whether the person already granted this client every scope it asks
        for now (allauth's own check counts the grants of every client)."""
        asked = set(params.get("scope", "").split()) or set(client.get_default_scopes())
        granted: set[str] = set()
        for token in Token.objects.valid().filter(user=request.user, client=client):
            granted.update(token.get_scopes())
        return asked <= granted

    @staticmethod
    def too_old(request: HttpRequest, max_age: str | None) -> bool:
        """OIDC Core 3.1.2.1: a sign-in older than `max_age` seconds must be made again."""
        if max_age is None:
            return False
        try:
            seconds = max(0, int(max_age))
        except ValueError:
            return False
        return (timezone.now() - request.auth.authenticated_at).total_seconds() > seconds

    def _login_required(self, request: HttpRequest) -> HttpResponse | None:
        response = super()._login_required(request)
        if response is not None and request.method == "GET":
            # The request's own checks, without the parts that compare it with a
            # signed-in person (there is none yet): id_token_hint and claims.
            uri, method, body, headers = extract_params(request)
            uri = without(without(uri, "id_token_hint"), "claims")
            try:
                get_server().validate_authorization_request(uri, method, body, headers)
            except (oauth_errors.FatalClientError, ValidationError) as error:
                return refused(request, error=error)
            except oauth_errors.OAuth2Error as error:
                return to_client(error.redirect_uri, error)
        return response

    def render_to_response(self, context, **kwargs) -> HttpResponse:
        # The consent form's answer is a redirect to the client.
        return allow_form_redirect(super().render_to_response(context, **kwargs), self._request_info["redirect_uri"])


def refused(request: HttpRequest, description: str | None = None, error=None) -> HttpResponse:
    """allauth's error page, answering 400: the request is at fault."""
    if error is None:
        error = oauth_errors.InvalidRequestFatalError(description)
    response = respond_html_error(request, error=error)
    response.status_code = 400
    return response


def to_client(redirect_uri: str, error) -> HttpResponse:
    """An error the client hears about at its (checked) redirect URI."""
    return oidc_views._ClientHttpResponseRedirect(error.in_uri(redirect_uri))


authorization = AuthorizationView.as_view()


class TokenView(oidc_views.TokenView):
    """allauth's token endpoint; a code is redeemed only while the sign-in it
    stands on lives, and once (provider/protocol.py). The checks run on
    allauth's answer, after it authenticated the client: a caller without the
    client's credentials learns nothing of the code and can revoke nothing."""

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            get_resources(request)  # allauth lets its ValidationError through: a 500
        except ValidationError as error:
            return JsonResponse({"error": "invalid_target", "error_description": error.messages[0]}, status=400)
        if request.POST.get("grant_type") != "authorization_code":
            return super().post(request)
        code = request.POST.get("code") or ""
        bound = protocol.binding(code)
        # The ID token's auth_time (OIDCAdapter.populate_id_token).
        request.oidc_auth_time = bound["auth_time"] if bound else None
        response = super().post(request)
        if response.status_code == 200:
            if bound is None or not protocol.session_lives(bound):
                protocol.revoke_issued(response)  # no sign-in stands behind it
                protocol.spend(code)
                return invalid_grant()
            if not protocol.first_redemption(code):
                protocol.revoke_what_it_gave(bound)  # redeemed twice at once: neither stands
                return invalid_grant()
        elif (
            response.status_code == 400
            and bound
            and protocol.asking_client(request) == bound["client"]  # not a stranger's, nor a 401
        ):
            if protocol.was_redeemed(code):
                protocol.revoke_what_it_gave(bound)  # a replay: RFC 6749 4.1.2
            protocol.spend(code)  # a wrong verifier or redirect URI uses it up
        return response


def is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def invalid_grant() -> JsonResponse:
    """oauthlib's own answer for a code it does not know: nothing more is said."""
    return JsonResponse({"error": "invalid_grant"}, status=400)


def without(path: str, name: str) -> str:
    parts = urlsplit(path)
    query = QueryDict(parts.query, mutable=True)
    query.pop(name, None)
    return parts._replace(query=query.urlencode()).geturl()


def with_param(path: str, name: str, value: str) -> str:
    parts = urlsplit(path)
    query = QueryDict(parts.query, mutable=True)
    query[name] = value
    return parts._replace(query=query.urlencode()).geturl()


token = TokenView.as_view()


@method_decorator(never_cache, name="dispatch")
class LogoutView(oidc_views.LogoutView):
    """allauth's RP-initiated logout; its question's form may end at the
    application's registered post-logout page."""

    def render_to_response(self, context, **kwargs) -> HttpResponse:
        form = context.get("form")
        target = form.cleaned_data.get("post_logout_redirect_uri") if form is not None and form.is_valid() else None
        return allow_form_redirect(super().render_to_response(context, **kwargs), target)


logout = LogoutView.as_view()


def not_offered(request: HttpRequest) -> HttpResponse:
    raise Http404("Not offered by this service.")
