"""The device authorization grant (RFC 8628): allauth's endpoint for devices,
bounded and refusing clients not given the grant, and its page, `/device`,
where a person signed in on the hosted login confirms a device's code. The
token endpoint's side (a device code redeemed under a code's rules) is
provider/endpoints.py's `TokenView.device_grant`."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from allauth.idp.oidc import app_settings as oidc_app_settings
from allauth.idp.oidc import views as oidc_views
from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.internal.oauthlib import device_codes
from allauth.idp.oidc.internal.resources import get_resources
from allauth.idp.oidc.models import Client
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from provider import clients, protocol
from users import ratelimits
from users.errors import RateLimited
from users.models import AuthToken


@csrf_exempt  # as allauth's: a device authenticates by its client id, no browser session here
def device_code(request: HttpRequest) -> HttpResponse:
    """allauth's device authorization endpoint (RFC 8628 3.1), bounded per IP
    (each answer stores a code pair), and sending the person to this service's
    page for it, at the issuer's base, whatever host the device reached."""
    try:
        ratelimits.hit(request, "device_code")
    except RateLimited as refusal:
        # RFC 6749 5.2's vocabulary (slow_down is the token endpoint's, RFC 8628 3.5).
        return JsonResponse({"error": "temporarily_unavailable", "error_description": refusal.message}, status=429)
    try:
        get_resources(request)  # allauth lets its ValidationError through: a 500
    except ValidationError as error:
        return JsonResponse({"error": "invalid_target", "error_description": error.messages[0]}, status=400)
    client = Client.objects.filter(id=request.POST.get("client_id") or "").first()
    if client is None:
        return JsonResponse({"error": "invalid_client"}, status=401)
    if client.type != Client.Type.PUBLIC or clients.DEVICE_CODE not in client.get_grant_types():
        # allauth would store a code pair for any client, and refuse it only at the poll.
        return JsonResponse({"error": "unauthorized_client"}, status=400)
    response = oidc_views.device_code(request)
    if response.status_code == 200:
        body = json.loads(response.content)
        page = f"{get_adapter().get_issuer()}{reverse('device')}"
        body.update(verification_uri=page, verification_uri_complete=f"{page}?{urlencode({'code': body['user_code']})}")
        response.content = json.dumps(body)
    return response


@method_decorator(never_cache, name="dispatch")
class DeviceAuthorizationView(oidc_views.DeviceAuthorizationView):
    """`/device`: where a person signed in on the hosted login (its rules,
    locks and second step) enters the code a device shows, and confirms it.

    allauth's view takes its form unprotected (csrf_exempt); here Django's CSRF
    check stands, as on every page: another page of the same site must not
    confirm an attacker's device code on a signed-in person's behalf."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Its own dispatch, so as_view copies no csrf_exempt from allauth's
        # (whose login_required still runs, in super()).
        return super().dispatch(request, *args, **kwargs)

    def _dispatch_authorization(self, request, user_code, device_code, client) -> HttpResponse:
        # What the device will see, shown on the confirmation page (templates read the request).
        asked = (cache.get(device_codes.cache_device_code_key(device_code)) or {}).get("scope") or []
        request.device_scopes = [get_adapter().scope_display.get(scope, scope) for scope in asked]
        response = super()._dispatch_authorization(request, user_code, device_code, client)
        if request.method == "POST" and request.POST.get("action") == "confirm" and isinstance(request.auth, AuthToken):
            confirmed = cache.get(device_codes.cache_device_code_key(device_code)) or {}
            if confirmed.get("granted") is True and confirmed.get("user") == str(request.user.pk):
                # The grant stands on this sign-in, as a code's does (protocol.bind);
                # of two people confirming one code at once, the one it went to.
                protocol.bind(
                    device_code, request.auth, client.id, None, lifetime=oidc_app_settings.DEVICE_CODE_EXPIRES_IN
                )
        return response


device_authorization = DeviceAuthorizationView.as_view()
