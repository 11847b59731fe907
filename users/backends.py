"""Django's door to the password gate: `authenticate()` from the admin's login
form (and any other Django or allauth form) passes the same locks as GraphQL."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from factors import login as factor_login
from factors import stage
from users import credentials
from users.cleaning import clean_email, clean_password
from users.errors import InvalidCode, InvalidCredentials, InvalidInput, MfaRequired, RateLimited


class EmailBackend(ModelBackend):
    """Email and password, through `users.credentials.check`, and for an account
    with a second factor a `code` (TOTP or recovery) through `check_factor`;
    active accounts only. Permissions are ModelBackend's."""

    def authenticate(self, request: HttpRequest | None, username=None, password=None, email=None, code=None, **kwargs):
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
            if stage.needs_second_factor(user):
                # A password alone is half of such an account's login, here as in GraphQL.
                if not code:
                    raise MfaRequired(
                        "This account has a second factor: enter a code from your "
                        "authenticator app, or a recovery code."
                    )
                factor_login.prove_with_code(request, user, code)
        except (InvalidCredentials, InvalidInput):
            return None
        except (RateLimited, MfaRequired, InvalidCode) as refusal:
            # Stops Django trying other backends; the form shows why (users.admin_site).
            request.login_refusal = refusal.message
            raise PermissionDenied(refusal.message) from None
        return user if self.user_can_authenticate(user) else None
