"""CORS preflight answers carry no body: 204 and no content type.

django-cors-headers answers every preflight of the API, listed origin or not,
with an empty `200 text/html`: a JSON path's answer that claims to be HTML.
Browsers accept any 2xx for a preflight."""

from django.http import HttpRequest, HttpResponseBase


def PreflightMiddleware(get_response):  # noqa: N802 (Django's middleware factory style)
    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        is_preflight = request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
        if is_preflight and response.status_code == 200 and not response.content:
            response.status_code = 204
            del response["Content-Type"]
        return response

    return middleware
