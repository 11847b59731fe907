"""Every JSON error body the service writes, built here: the GraphQL view's own
refusals, Django's error views, and the extensions of masked GraphQL errors."""

from __future__ import annotations

import time
from enum import Enum
from functools import lru_cache

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date

from users.errors import RequestErrorCode

# A refused body is read and dropped up to this many bytes, so that the
# connection it came on serves the next request: left unread, the server would
# parse it as the next request, or close a connection it said it keeps alive.
DRAINED_BODY_MAX = 4 * 1024 * 1024


# What Django's add_never_cache_headers writes on a response without Cache-Control.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def never_cached(response: HttpResponseBase) -> None:
    """Django's add_never_cache_headers for the API's answers, which carry no caching
    header of their own: it parses and re-joins Cache-Control through regular
    expressions and sets, about 120 K instructions, 4% of a `me` request,
    and formats the date at every call."""
    if response.has_header("Cache-Control") or response.has_header("Expires"):
        add_never_cache_headers(response)  # merged, as Django merges them
        return
    response.headers["Expires"] = date_of(int(time.time()))
    response.headers["Cache-Control"] = NEVER_CACHE


@lru_cache(maxsize=1)
def date_of(second: int) -> str:
    """An HTTP date, formatted once a second (through email.utils, 35 K instructions)."""
    return http_date(second)


def error_extensions(code: Enum | None = None, request_id: str | None = None) -> dict:
    extensions = {}
    if code is not None:
        extensions["code"] = code.value
    if request_id is not None:
        extensions["requestId"] = request_id
    return extensions


def json_error(message: str, status: int, *, code: Enum | None = None, request_id: str | None = None) -> JsonResponse:
    """`{"errors": [{"message", "extensions"}]}`, GraphQL's shape, for any answer."""
    error = {"message": message}
    extensions = error_extensions(code, request_id)
    if extensions:
        error["extensions"] = extensions
    return JsonResponse({"errors": [error]}, status=status)


def body_too_large(request: HttpRequest, request_id: str | None = None) -> JsonResponse:
    """413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE (Django refuses it before
    reading a byte), its bytes read and dropped first, within DRAINED_BODY_MAX."""
    stream = request.META.get("wsgi.input")
    try:
        left = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        left = 0
    if stream is not None and left <= DRAINED_BODY_MAX:
        while left > 0:
            chunk = stream.read(min(left, 65536))
            if not chunk:
                break
            left -= len(chunk)
    return json_error(
        "The request body is too large.", 413, code=RequestErrorCode.REQUEST_TOO_LARGE, request_id=request_id
    )
