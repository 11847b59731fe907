"""Django's error pages as JSON: every answer of an API service is JSON."""

from django.http import HttpRequest, JsonResponse


def error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"errors": [{"message": message}]}, status=status)


def bad_request(request: HttpRequest, exception=None) -> JsonResponse:
    return error("Bad request.", 400)


def permission_denied(request: HttpRequest, exception=None) -> JsonResponse:
    return error("Permission denied.", 403)


def not_found(request: HttpRequest, exception=None) -> JsonResponse:
    return error("Not found.", 404)


def server_error(request: HttpRequest) -> JsonResponse:
    return error("Internal server error.", 500)
