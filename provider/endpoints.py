"""The protocol's endpoints: allauth's authorization, token and logout views
with this service's rules (provider/protocol.py), and the endpoints not offered.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

from allauth.core.internal.httpkit import extract_basic_auth
from allauth.idp.oidc import views as oidc_views
from allauth.idp.oidc.internal.oauthlib.server import get_server
from allauth.idp.oidc.internal.oauthlib.utils import extract_params, respond_html_error
from allauth.idp.oidc.internal.resources import get_resources
from allauth.idp.oidc.models import Client
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
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from oauthlib.oauth2.rfc6749 import errors as oauth_errors
from oauthlib.openid.connect.core.exceptions import (
    AccountSelectionRequired,
    RequestNotSupported,
    RequestURINotSupported,
)

from provider import assurance, clients, cors, grants, protocol, refresh
from users.models import AuthToken


def allow_form_redirect(response: HttpResponseBase, *uris: str | None) -> HttpResponseBase:
    """The page's form ends, a redirect or two later, at one of `uris`: an
    application's registered redirect URI, an identity provider's authorization
    endpoint. CSP's `form-action` ('self' everywhere) also binds the redirects a
    form submission follows, so this response names those targets too, and no other."""
    targets = []
    for uri in filter(None, uris):
        parts = urlsplit(uri)
        target = f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:"
        if target not in targets:
            targets.append(target)
    if targets:
        response._csp_update = {"form-action": targets}
    return response


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
                acr_values = self._request_info.get("acr_values", request.GET.get("acr_values"))
                protocol.bind(code, request.auth, self._request_info["client_id"], acr_values)
        return response

    silent = False  # prompt=none taken on this service's path (get)

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        client = Client.objects.filter(id=request.GET.get("client_id") or "").first()
        refusal = self.refusal(request, client)
        if refusal is not None:
            return refusal
        self.silent = self.silent_without_token(request, client)
        if self.silent:
            # allauth answers prompt=none from the tokens the person's grants to
            # this client left, so a client that asks no consent, or whose consent
            # outlived its tokens (grants.consented), would hear consent_required:
            # its path without prompt=none issues the code without a page, as
            # prompt=none asks (and render_to_response never shows one).
            query = request.GET.copy()
            del query["prompt"]
            request.GET, request.META["QUERY_STRING"] = query, query.urlencode()
        return super().get(request, *args, **kwargs)

    @staticmethod
    def silent_without_token(request: HttpRequest, client: Client) -> bool:
        if request.GET.get("prompt") != "none" or not request.user.is_authenticated:
            return False
        return client.skip_consent or grants.consented(request.user, client.id, asked_scopes(request.GET, client))

    def refusal(self, request: HttpRequest, client: Client | None) -> HttpResponse | None:
        params = request.GET
        uri = params.get("redirect_uri")
        if client is None:
            return refused(request, "This application is not registered with the service.")
        if uri is None or not protocol.redirect_uri_registered(client, uri):
            return refused(request, "The application's redirect URI is not one it registered.")
        state = params.get("state")
        if "request" in params or "request_uri" in params:
            # OIDC Core 6: request objects are not taken; said, not ignored (their
            # claims might be what the client meant, not the query's).
            unsupported = RequestNotSupported if "request" in params else RequestURINotSupported
            return to_client(uri, unsupported(state=state))
        if params.get("response_mode", "query") != "query":
            # A code in a fragment or a form post would pass no binding (protocol.code_in).
            return to_client(uri, oauth_errors.InvalidRequestError("Only response_mode=query.", state=state))
        if params.get("code_challenge") and params.get("code_challenge_method") != "S256":
            return to_client(uri, oauth_errors.InvalidRequestError("PKCE must use S256.", state=state))
        if params.get("code_challenge") and not protocol.well_formed_challenge(params["code_challenge"]):
            return to_client(
                uri, oauth_errors.InvalidRequestError("code_challenge is not an S256 challenge.", state=state)
            )
        if "claims" in params and not is_json_object(params["claims"]):
            # oauthlib's own refusal of it has no redirect URI yet: allauth answered 500.
            return to_client(uri, oauth_errors.InvalidRequestError("Malformed claims parameter.", state=state))
        if not request.user.is_authenticated:
            return None
        prompts = params.get("prompt", "").split()
        if "select_account" in prompts:
            if "none" in prompts:
                return to_client(uri, AccountSelectionRequired(state=state))
            # The hosted login asks whether to go on as the person signed in or as another.
            again = without_prompt(request.get_full_path(), prompts, "select_account")
            return HttpResponseRedirect(f"{reverse('hosted-login')}?{urlencode({'next': again, 'account': 'choose'})}")
        if (
            "login" in prompts
            or self.too_old(request, params.get("max_age"))
            or assurance.step_up_needed(request.auth, params.get("acr_values"))
        ):
            if "none" in prompts:
                return to_client(uri, oauth_errors.LoginRequired(state=state))
            # Once signed in again the sign-in is new: `max_age` and `prompt=login`
            # have been met, and the ID token's auth_time says when (the client
            # checks it); a step-up is not asked again within its grace
            # (assurance.STEP_UP_GRACE), and the ID token's acr says what was
            # reached. allauth's own answer to prompt=login is its
            # reauthentication page, which this service does not serve.
            return redirect_to_login(without_prompt(without(request.get_full_path(), "max_age"), prompts, "login"))
        if (
            "none" in prompts
            and not client.skip_consent
            and not grants.consented(request.user, client.id, asked_scopes(params, client))
        ):
            # allauth's own check counts the grants of every client.
            return to_client(uri, oauth_errors.ConsentRequired(state=state))
        return None

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
            prompts = request.GET.get("prompt", "").split()
            if "create" in prompts:
                # Initiating User Registration via OpenID Connect 1.0: the sign-up page,
                # which sends the person back to this authorization, met.
                again = without_prompt(request.get_full_path(), prompts, "create")
                return HttpResponseRedirect(f"{reverse('hosted-signup')}?{urlencode({'next': again})}")
        return response

    def get_initial(self) -> dict:
        self._oauth_request = self._request_info.get("request")  # allauth's get_initial drops it
        # Signed into the consent form with the rest, for the code its answer makes.
        if self.request.method == "GET":  # the form's answer (a POST) brings them back
            self._request_info["acr_values"] = self.request.GET.get("acr_values")
        return super().get_initial()

    def render_to_response(self, context, **kwargs) -> HttpResponse:
        remembered = self.request.method == "GET" and self.consent_remembered()
        if self.silent and not remembered:
            # prompt=none shows no page (the scopes it was let in for were not these).
            return to_client(
                self._request_info["redirect_uri"], oauth_errors.ConsentRequired(state=self._request_info.get("state"))
            )
        if remembered:
            # The person granted these scopes before: allauth's own path for a
            # client that asks no consent, with what it asks now.
            self._request_info["request"] = self._oauth_request
            return self._skip_consent()
        # The consent form's answer is a redirect to the client.
        return allow_form_redirect(super().render_to_response(context, **kwargs), self._request_info["redirect_uri"])

    def consent_remembered(self) -> bool:
        prompts = self.request.GET.get("prompt", "").split()
        return "consent" not in prompts and grants.consented(
            self.request.user, self._request_info["client_id"], set(self._scopes)
        )

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        client_id = self._request_info["client_id"]
        if (
            response.status_code == 302
            and protocol.code_in(response["Location"])
            and Client.objects.filter(id=client_id, skip_consent=False).exists()
        ):
            grants.remember_consent(self.request.user, client_id, set(form.cleaned_data["scopes"]))
        return response


def asked_scopes(params, client: Client) -> set[str]:
    """The scopes an authorization request asks for: its own, else the client's defaults."""
    return set(params.get("scope", "").split()) or set(client.get_default_scopes())


def without_prompt(path: str, prompts: list[str], dropped: str) -> str:
    """`path` (an authorization request) with one `prompt` value met, so the
    request resumed after it does not ask again."""
    rest = [prompt for prompt in prompts if prompt != dropped]
    return with_param(path, "prompt", " ".join(rest)) if rest else without(path, "prompt")


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
        basic_client, _ = extract_basic_auth(request.headers)
        if basic_client and request.POST.get("client_id", basic_client) != basic_client:
            # RFC 6749 2.3: one client, authenticated one way (allauth answered server_error).
            refusal = JsonResponse({"error": "invalid_client"}, status=401)
            refusal["WWW-Authenticate"] = 'Basic realm="token"'
            return refusal
        try:
            get_resources(request)  # allauth lets its ValidationError through: a 500
        except ValidationError as error:
            return JsonResponse({"error": "invalid_target", "error_description": error.messages[0]}, status=400)
        grant_type = request.POST.get("grant_type")
        if grant_type == "refresh_token":
            return self.refresh_grant(request)
        if grant_type == clients.DEVICE_CODE:
            return self.device_grant(request)
        if grant_type != "authorization_code":
            return super().post(request)
        code = request.POST.get("code") or ""
        bound = protocol.binding(code)
        issued = protocol.unredeemed(code)
        verifier_refused = protocol.verifier_refused(issued, request.POST.get("code_verifier"))
        grant_id = issued.get_grant_id() if issued is not None else None
        # What the ID token says of the sign-in (OIDCAdapter.populate_id_token).
        request.oidc_sign_in = protocol.claims_of(bound) if bound else {}
        response = super().post(request)
        if response.status_code == 200:
            return self.standing(response, code, bound, grant_id, refused=verifier_refused)  # PKCE not kept
        if (
            response.status_code == 400
            and bound
            and protocol.asking_client(request) == bound["client"]  # not a stranger's, nor a 401
        ):
            if protocol.was_redeemed(code):
                protocol.revoke_what_it_gave(bound)  # a replay: RFC 6749 4.1.2
            protocol.spend(code)  # a wrong verifier or redirect URI uses it up
        return response

    def device_grant(self, request: HttpRequest) -> HttpResponse:
        """allauth's device code grant (RFC 8628 3.4), under the rules of a code:
        redeemed while the sign-in that confirmed it lives, once, its grant
        given through that sign-in."""
        device_code = request.POST.get("device_code") or ""
        bound = protocol.binding(device_code)
        request.oidc_sign_in = protocol.claims_of(bound) if bound else {}
        response = super().post(request)
        if response.status_code == 200:
            issued = protocol.issued_access_token(response)
            # no sign-in, or another person's, stands behind it
            refused = issued is None or issued.user_id != (bound or {}).get("user")
            return self.standing(
                response, device_code, bound, issued.get_grant_id() if issued else None, refused=refused
            )
        return response

    @staticmethod
    def standing(response: HttpResponse, code: str, bound: dict | None, grant_id: str | None, *, refused: bool):
        """A token response for a code (an authorization or a device code) is
        delivered only while the sign-in the code stands on lives, once: its
        grant then stands on that sign-in (protocol.given_through)."""
        if bound is None or not protocol.session_lives(bound) or refused:
            protocol.revoke_issued(response)
            protocol.spend(code)
            return invalid_grant()
        if not protocol.first_redemption(code):
            protocol.revoke_what_it_gave(bound)  # redeemed twice at once: neither stands
            return invalid_grant()
        protocol.given_through(bound, grant_id)
        return response

    def refresh_grant(self, request: HttpRequest) -> HttpResponse:
        """allauth's refresh grant, in chains (provider/refresh.py): the token it
        rotates is remembered as spent, and a spent one presented again ends its chain."""
        live = refresh.presented(request)
        # OIDC Core 12.2: a refreshed ID token says what the first said of the sign-in.
        request.oidc_sign_in = refresh.sign_in_claims(live) if live is not None else {}
        response = super().post(request)
        if response.status_code == 200 and live is not None:
            if not refresh.spend(live):  # spent at the same moment by another request
                refresh.revoke_chain(
                    request, client_id=live.client_id, user_id=live.user_id, grant_id=live.get_grant_id() or ""
                )
                return invalid_grant()
        elif response.status_code == 400 and live is None:
            reused = refresh.spent(request)
            if reused is not None:
                refresh.revoke_chain(
                    request, client_id=reused.client_id, user_id=reused.user_id, grant_id=reused.grant_id
                )
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


# A browser app calls these from its own origin (provider/cors.py).
token = cors.for_browser_apps(TokenView.as_view(), client_of=protocol.asking_client)
userinfo = cors.for_browser_apps(oidc_views.user_info)


@csrf_exempt  # as allauth's: a client authenticates here, no browser session does
def revocation(request: HttpRequest) -> HttpResponse:
    """allauth's revocation endpoint; its empty answer (RFC 7009 2.2) claims no
    type, not HTML (a SPA library refuses a text/html answer)."""
    response = oidc_views.revoke(request)
    if not response.content:
        del response["Content-Type"]
    return response


revoke = cors.for_browser_apps(revocation, client_of=protocol.asking_client)


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
