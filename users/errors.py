"""The service's one error vocabulary: every code a client can read, and the
account errors that carry them.

Flows raise `AccountError`s; each class carries its `ErrorCode`, and the GraphQL
enum is derived from `ErrorCode` (`schema.errors`), as Saleor derives its
AccountErrorCode. A subclass without a code is refused when it is defined,
not answered as a masked 500 when first raised. Each message is safe to show to
the person at the keyboard, and none tells whether an account exists; each is
marked for translation, and said in the language active where it is raised.

`RequestErrorCode` names refusals of a whole request (too large, too complex,
the database away, a bug): they reach clients only as a GraphQL error's or a
JSON error body's `extensions.code`, never in a payload's `errors`.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    """What a payload's `errors[].code` (and a denied field's `extensions.code`) says."""

    INVALID_INPUT = "INVALID_INPUT"
    PASSWORD_TOO_WEAK = "PASSWORD_TOO_WEAK"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    EMAIL_NOT_VERIFIED = "EMAIL_NOT_VERIFIED"
    ACCOUNT_DISABLED = "ACCOUNT_DISABLED"
    INVALID_KEY = "INVALID_KEY"
    EXPIRED_KEY = "EXPIRED_KEY"
    RATE_LIMITED = "RATE_LIMITED"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    NOT_FOUND = "NOT_FOUND"
    MFA_REQUIRED = "MFA_REQUIRED"
    INVALID_CODE = "INVALID_CODE"
    REAUTHENTICATION_REQUIRED = "REAUTHENTICATION_REQUIRED"
    PERMISSION_DENIED = "PERMISSION_DENIED"


class RequestErrorCode(StrEnum):
    """Why a request as a whole was refused or failed."""

    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_INVALID = "PERSISTED_QUERY_INVALID"
    DOCUMENT_NOT_TRUSTED = "DOCUMENT_NOT_TRUSTED"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class AccountError(Exception):
    """Why an account flow refused to go on. Subclasses set `code` and `default_message`."""

    code: ErrorCode
    default_message = _("The request could not be completed.")

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if not isinstance(cls.__dict__.get("code"), ErrorCode):
            raise TypeError(f"{cls.__name__} must set `code` to an ErrorCode")

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = str(message or self.default_message)  # a lazy text, in today's language
        self.field = field
        super().__init__(self.message)


class InvalidInput(AccountError):
    code = ErrorCode.INVALID_INPUT
    default_message = _("This value is not valid.")


class PasswordTooWeak(AccountError):
    code = ErrorCode.PASSWORD_TOO_WEAK
    default_message = _("This password is too weak.")


class InvalidCredentials(AccountError):
    code = ErrorCode.INVALID_CREDENTIALS
    default_message = _("The email address or the password is wrong.")


class EmailNotVerified(AccountError):
    code = ErrorCode.EMAIL_NOT_VERIFIED
    default_message = _("Please verify your email address first: we have sent you a new link.")


class AccountDisabled(AccountError):
    code = ErrorCode.ACCOUNT_DISABLED
    default_message = _("This account has been deactivated.")


class InvalidKey(AccountError):
    code = ErrorCode.INVALID_KEY
    default_message = _("This link is invalid or has already been used.")


class ExpiredKey(AccountError):
    code = ErrorCode.EXPIRED_KEY
    default_message = _("This link has expired. Please ask for a new one.")


class RateLimited(AccountError):
    code = ErrorCode.RATE_LIMITED
    default_message = _("Too many attempts. Please try again later.")


class NotAuthenticated(AccountError):
    code = ErrorCode.NOT_AUTHENTICATED
    default_message = _("You need to be logged in.")


class NotFound(AccountError):
    code = ErrorCode.NOT_FOUND
    default_message = _("Not found.")


class MfaRequired(AccountError):
    """The password was right; the login ends with a second factor, answered
    against `mfa_token` (shown once) with one of `methods`."""

    code = ErrorCode.MFA_REQUIRED
    default_message = _("Enter a code from your authenticator app, a recovery code, or use your security key.")

    def __init__(
        self, message: str | None = None, *, field: str | None = None, mfa_token: str = "", methods: list[str] = ()
    ) -> None:
        super().__init__(message, field=field)
        self.mfa_token = mfa_token
        self.methods = list(methods)


class InvalidCode(AccountError):
    code = ErrorCode.INVALID_CODE
    default_message = _("This code or security key answer is not valid.")


class ReauthenticationRequired(AccountError):
    code = ErrorCode.REAUTHENTICATION_REQUIRED
    default_message = _("Please confirm it is you: enter your password or use a second factor again.")


class PermissionDenied(AccountError):
    code = ErrorCode.PERMISSION_DENIED
    default_message = _("You may not see this.")


class AccountErrors(Exception):
    """Several problems found at once, so the caller can fix them in one go."""

    def __init__(self, errors: list[AccountError]) -> None:
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))
