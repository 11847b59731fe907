"""Why an account flow refused to go on.

Flows raise these; the GraphQL layer turns them into `UserError`s in exactly one
place (`schema.errors.user_errors`). Each message is safe to show to the person
at the keyboard, and none tells whether an account exists.
"""

from __future__ import annotations


class AccountError(Exception):
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.default_message
        self.field = field
        super().__init__(self.message)


class InvalidInput(AccountError):
    default_message = "This value is not valid."


class PasswordTooWeak(AccountError):
    default_message = "This password is too weak."


class InvalidCredentials(AccountError):
    default_message = "The email address or the password is wrong."


class EmailNotVerified(AccountError):
    default_message = (
        "Please verify your email address first: we have sent you a new link."
    )


class AccountDisabled(AccountError):
    default_message = "This account has been deactivated."


class InvalidKey(AccountError):
    default_message = "This link is invalid or has already been used."


class ExpiredKey(AccountError):
    default_message = "This link has expired. Please ask for a new one."


class RateLimited(AccountError):
    default_message = "Too many attempts. Please try again later."


class NotAuthenticated(AccountError):
    default_message = "You need to be logged in."


class NotFound(AccountError):
    default_message = "Not found."


class AccountErrors(Exception):
    """Several problems found at once, so the caller can fix them in one go."""

    def __init__(self, errors: list[AccountError]) -> None:
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))
