"""Django's error pages as JSON: every answer of an API service is JSON."""

import sys

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse

from schema.responses import body_too_large, json_error
from users.errors import RequestErrorCode
from users.outages import is_outage, report


def bad_request(request: HttpRequest, exception=None) -> JsonResponse:
    if isinstance(exception, RequestDataTooBig):
        return body_too_large(request)  # a form over the limit, as GraphQL answers one
    return json_error("Bad request.", 400)


def permission_denied(request: HttpRequest, exception=None) -> JsonResponse:
    return json_error("Permission denied.", 403)


def not_found(request: HttpRequest, exception=None) -> JsonResponse:
    return json_error("Not found.", 404)


def server_error(request: HttpRequest) -> JsonResponse:
    # Django calls this while handling the exception: an outage is not a bug.
    error = sys.exc_info()[1]
    if is_outage(error):
        report(error, getattr(request, "request_id", None))
        return json_error("Service temporarily unavailable.", 503, code=RequestErrorCode.SERVICE_UNAVAILABLE)
    return json_error("Internal server error.", 500)
