"""A NUL character in a request's path, query or form is refused before any view.

No name, address, code or key of this service holds one, and PostgreSQL can
store none (psycopg refuses the query, a JSON column the value), so it reached
the database only to answer 500. The provider's protocol endpoints answer as
OAuth 2.0 says (`invalid_request`), every other path as the API does."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase, JsonResponse

from schema.responses import json_error

NUL = "\x00"
FORM = ("application/x-www-form-urlencoded", "multipart/form-data")
OAUTH_PATHS = "/identity/o/api/"
MESSAGE = "A parameter holds a NUL character."


def holds_nul(request: HttpRequest) -> bool:
    params = [request.GET]
    if request.method == "POST" and request.content_type in FORM:
        params.append(request.POST)
    return NUL in request.path or any(NUL in key or NUL in value for query in params for key, value in query.items())


def NulBytesMiddleware(get_response):  # noqa: N802 (Django's middleware factory style)
    def middleware(request: HttpRequest) -> HttpResponseBase:
        if not holds_nul(request):
            return get_response(request)
        if request.path.startswith(OAUTH_PATHS):
            return JsonResponse({"error": "invalid_request", "error_description": MESSAGE}, status=400)
        return json_error(MESSAGE, 400)

    return middleware
