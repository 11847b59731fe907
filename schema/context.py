"""Reading the request out of a resolver's `info`."""

from django.http import HttpRequest
from strawberry.types import Info


def request_of(info: Info) -> HttpRequest:
    return info.context.request
