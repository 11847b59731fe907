"""Django's error pages as JSON: every answer of an API service is JSON."""

from django.http import HttpRequest, JsonResponse

from gql_auth.responses import json_error


def bad_request(request: HttpRequest, exception=None) -> JsonResponse:
    return json_error("Bad request.", 400)


def permission_denied(request: HttpRequest, exception=None) -> JsonResponse:
    return json_error("Permission denied.", 403)


def not_found(request: HttpRequest, exception=None) -> JsonResponse:
    return json_error("Not found.", 404)


def server_error(request: HttpRequest) -> JsonResponse:
    return json_error("Internal server error.", 500)
