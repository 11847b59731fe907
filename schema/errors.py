"""The GraphQL face of `users.errors`: the ErrorCode enum derived from the
domain's, and the one mapper from account errors to what clients read."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from schema.responses import error_extensions
from users import errors

ErrorCode = strawberry.enum(errors.ErrorCode, name="ErrorCode")


@strawberry.type
class UserError:
    field: str | None
    code: ErrorCode
    message: str


def user_errors(failure: errors.AccountError | errors.AccountErrors) -> list[UserError]:
    """The payload `errors` for a flow's failure."""
    if isinstance(failure, errors.AccountErrors):
        return [error for each in failure.errors for error in user_errors(each)]
    return [UserError(field=failure.field, code=failure.code, message=failure.message)]


class CodedError(GraphQLError):
    """An account error raised as a GraphQL error (a query's or a denied field's):
    its message and code reach the answer, unmasked."""

    def __init__(self, failure: errors.AccountError) -> None:
        super().__init__(failure.message, extensions=error_extensions(failure.code))
        self.failure = failure
