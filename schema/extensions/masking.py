"""What an error may tell: unexpected errors (a bug, an outage) answer a
generic message with the request id, logged in full; nothing suggests the
schema's names to a client that may not introspect it."""

from __future__ import annotations

import logging
import re

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from schema.responses import error_extensions
from users.errors import RequestErrorCode
from users.outages import is_outage, report

logger = logging.getLogger("gql_auth.graphql")

# graphql-core's " Did you mean 'email'?" and its variants (arguments, types,
# enum values, input fields): with introspection off, the schema is not to be
# guessed from error messages either.
SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


def hide_suggestions(errors: list[GraphQLError]) -> None:
    for error in errors:
        error.message = SUGGESTION.sub("", error.message)


def is_unexpected(error: GraphQLError) -> bool:
    """True for errors raised by a bug or an outage rather than by the GraphQL layer."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def request_id_in(execution_context) -> str | None:
    context = getattr(execution_context, "context", None)
    return getattr(getattr(context, "request", None), "request_id", None)


def log_errors(errors: list[GraphQLError], execution_context) -> None:
    """Log unexpected errors in full, with the request id the client was given
    (an outage once per outage, users/outages.py)."""
    request_id = request_id_in(execution_context)
    for error in errors:
        if is_unexpected(error) and is_outage(error.original_error):
            report(error.original_error, request_id)
        elif is_unexpected(error):
            logger.error(
                "Unexpected error in request %s at %s",
                request_id,
                error.path,
                exc_info=error.original_error,
            )
        else:
            logger.debug("GraphQL error in request %s: %s", request_id, error.message)


class MaskUnexpectedErrors(MaskErrors):
    """Answer unexpected errors with a generic message carrying the request id,
    which an operator can find in the logs."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = request_id_in(self.execution_context)
        if is_outage(error.original_error):
            # The database or the cache is away, not broken: 503 tells clients
            # and load balancers to retry rather than report a bug.
            self.execution_context.context.response.status_code = 503
            message, code = "Service temporarily unavailable", RequestErrorCode.SERVICE_UNAVAILABLE
        else:
            message, code = "Internal server error", RequestErrorCode.INTERNAL_SERVER_ERROR
        return GraphQLError(
            f"{message} (request id {request_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=error_extensions(code, request_id),
        )
