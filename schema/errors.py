"""Error codes of the public contract, and the one mapping from flow failures to them."""

from __future__ import annotations

from enum import Enum

import strawberry

from users import errors


@strawberry.enum
class ErrorCode(Enum):
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


@strawberry.type
class UserError:
    field: str | None
    code: ErrorCode
    message: str


CODES: dict[type[errors.AccountError], ErrorCode] = {
    errors.InvalidInput: ErrorCode.INVALID_INPUT,
    errors.PasswordTooWeak: ErrorCode.PASSWORD_TOO_WEAK,
    errors.InvalidCredentials: ErrorCode.INVALID_CREDENTIALS,
    errors.EmailNotVerified: ErrorCode.EMAIL_NOT_VERIFIED,
    errors.AccountDisabled: ErrorCode.ACCOUNT_DISABLED,
    errors.InvalidKey: ErrorCode.INVALID_KEY,
    errors.ExpiredKey: ErrorCode.EXPIRED_KEY,
    errors.RateLimited: ErrorCode.RATE_LIMITED,
    errors.NotAuthenticated: ErrorCode.NOT_AUTHENTICATED,
    errors.NotFound: ErrorCode.NOT_FOUND,
}


def user_errors(failure: errors.AccountError | errors.AccountErrors) -> list[UserError]:
    """The payload `errors` for a flow's failure."""
    if isinstance(failure, errors.AccountErrors):
        return [error for each in failure.errors for error in user_errors(each)]
    code = next(code for cls, code in CODES.items() if isinstance(failure, cls))
    return [UserError(field=failure.field, code=code, message=failure.message)]
