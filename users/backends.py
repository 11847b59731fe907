"""Django's door to the password gate: `authenticate()` from the admin's login
form (and any other Django or allauth form) passes the same locks and login
stages as GraphQL."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from users import credentials, stages
from users.cleaning import clean_email, clean_password
from users.errors import InvalidCode, InvalidCredentials, InvalidInput, MfaRequired, RateLimited


class EmailBackend(ModelBackend):
    """Email and password, through `users.credentials.check`, then every login
    stage, given what else the form sent (a second factor's `code`); active
    accounts only. Permissions are ModelBackend's."""

    def authenticate(self, request: HttpRequest | None, username=None, password=None, email=None, **fields):
        address = email if email is not None else username
        if address is None or password is None:
            return None
        try:
            # The API's own input checks: one spelling per mailbox; over-long or
            # not-text passwords refused before any hashing.
            address = clean_email(address)
            clean_password(password)
        except InvalidInput:
            return None
        # Called without a request (a script): one shared bucket, no address.
        request = request if request is not None else HttpRequest()
        try:
            user = credentials.check(request, address, password)
            stages.complete(request, user, fields)
        except (InvalidCredentials, InvalidInput):
            return None
        except (RateLimited, MfaRequired, InvalidCode) as refusal:
            # Stops Django trying other backends; the form shows why (users.admin_site).
            request.login_refusal = refusal.message
            raise PermissionDenied(refusal.message) from None
        return user if self.user_can_authenticate(user) else None
