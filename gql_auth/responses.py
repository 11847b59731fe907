"""Every JSON error body the service writes, built here: the GraphQL view's own
refusals, Django's error views, and the extensions of masked GraphQL errors."""

from __future__ import annotations

from enum import Enum

from django.http import JsonResponse


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
