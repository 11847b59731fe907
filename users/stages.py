"""The steps a login takes after its password proved right, as allauth's login
stages are: each an object the setting LOGIN_STAGES names (dotted paths, run in
order), so the core knows none of them (factors/ adds the second factor).

A stage has two ways in, one per kind of client:
- `begin(request, user, methods)`: a login over the API, which answers in
  steps, after a first step that proved `methods` (a password, an upstream
  identity provider). The stage returns when it has nothing to ask, or raises (MfaRequired, carrying
  what the next step needs) to stop the login there.
- `complete(request, user, fields)`: a form that sends everything at once
  (Django's `authenticate()`: the admin's login form). The stage checks its own
  fields (`fields`: what the form sent besides the address and password), or
  raises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from django.http import HttpRequest
from django.utils.module_loading import import_string

from users.app_settings import app_settings
from users.models import User


class LoginStage(Protocol):
    def begin(self, request: HttpRequest, user: User, methods: Sequence[str]) -> None: ...

    def complete(self, request: HttpRequest, user: User, fields: Mapping[str, str]) -> None: ...


def login_stages() -> list[LoginStage]:
    return [import_string(path)() for path in app_settings.LOGIN_STAGES]


def begin(request: HttpRequest, user: User, methods: Sequence[str]) -> None:
    """Run every stage's step of an API login whose first step proved `methods`
    (RFC 8176 values); the first stage that asks for more stops it."""
    for stage in login_stages():
        stage.begin(request, user, methods)


def complete(request: HttpRequest, user: User, fields: Mapping[str, str]) -> None:
    """Check every stage against a form that sent everything at once."""
    for stage in login_stages():
        stage.complete(request, user, fields)
