"""CORS for browser apps at the endpoints they call themselves: token,
userinfo and revocation (discovery and the JWKS answer any origin already).

An origin is let in when a public client registered it (`--cors-origin`):
what these endpoints answer is read with a bearer token or a code the page
holds, never with the cookie (no `Access-Control-Allow-Credentials`), so the
origin rule decides only which pages may read an answer, not who is asking.
A preflight names no client, so it is answered for any registered origin; an
answer to a request that names its client (token, revocation) is read only
from that client's origins.
"""

from __future__ import annotations

from functools import wraps

from allauth.idp.oidc.models import Client
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

ALLOW_METHODS = "GET, POST"
ALLOW_HEADERS = "authorization, content-type"
# A refused bearer token is explained in WWW-Authenticate (RFC 6750 3): the page reads it.
EXPOSE_HEADERS = "WWW-Authenticate"
MAX_AGE = "3600"


def registered(origin: str) -> bool:
    """Whether a public client registered `origin` (allauth keeps them one per line)."""
    candidates = Client.objects.filter(type=Client.Type.PUBLIC, cors_origins__contains=origin)
    return any(origin in client.get_cors_origins() for client in candidates.only("cors_origins"))


def allowed_for(origin: str, client_id: str | None) -> bool:
    client = Client.objects.filter(id=client_id or "", type=Client.Type.PUBLIC).only("cors_origins").first()
    return client is not None and origin in client.get_cors_origins()


def for_browser_apps(view, *, client_of=None):
    """`view`, answering preflights and letting a registered origin read its
    answers (its errors too); `client_of(request)`: the client a request
    names, whose origins alone may read the answer."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        origin = request.headers.get("Origin")
        if request.method == "OPTIONS" and origin and "Access-Control-Request-Method" in request.headers:
            response = HttpResponse(status=204)
            if registered(origin):
                response["Access-Control-Allow-Origin"] = origin
                response["Access-Control-Allow-Methods"] = ALLOW_METHODS
                response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
                response["Access-Control-Max-Age"] = MAX_AGE
            patch_vary_headers(response, ["Origin"])
            del response["Content-Type"]
            return response
        response = view(request, *args, **kwargs)
        if origin and (allowed_for(origin, client_of(request)) if client_of else registered(origin)):
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
        else:
            del response["Access-Control-Allow-Origin"]  # oauthlib's own, which errors lack
        patch_vary_headers(response, ["Origin"])
        return response

    return wrapped
