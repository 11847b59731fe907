"""Guards on what a GraphQL document may ask, and on what an error may tell.

Strawberry's own limiters bound depth, aliases and tokens; the rule here stops
a single request from carrying several password guesses (or several reset
attempts) under aliases, so rate limits count requests as attempts. Masking
keeps any unexpected error's text (SQL, paths, settings) from the client.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    ValidationRule,
)
from strawberry.extensions import MaskErrors

logger = logging.getLogger("gql_auth.graphql")

# Mutations that check a secret or send mail: one of them per request.
CREDENTIAL_MUTATIONS = frozenset(
    {
        "register",
        "verifyEmail",
        "resendVerificationEmail",
        "login",
        "requestPasswordReset",
        "resetPassword",
        "changePassword",
    }
)


class OneCredentialMutationPerRequest(ValidationRule):
    """Refuse a mutation operation that selects more than one credential mutation,
    whether through aliases, fragments or inline fragments."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args) -> None:
        if node.operation != OperationType.MUTATION:
            return
        found = list(self.credential_fields(node.selection_set.selections, set()))
        if len(found) > 1:
            self.report_error(
                GraphQLError(
                    "Only one of login, register, verifyEmail, resendVerificationEmail, "
                    "requestPasswordReset, resetPassword and changePassword may run "
                    "per request.",
                    found,
                )
            )

    def credential_fields(self, selections, seen_fragments: set[str]):
        for selection in selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in CREDENTIAL_MUTATIONS:
                    yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self.credential_fields(selection.selection_set.selections, seen_fragments)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.context.get_fragment(name)
                if fragment is not None and name not in seen_fragments:
                    seen_fragments.add(name)
                    yield from self.credential_fields(
                        fragment.selection_set.selections, seen_fragments
                    )


def is_unexpected(error: GraphQLError) -> bool:
    """True for errors raised by a bug or an outage rather than by the GraphQL layer."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def request_id_of(execution_context) -> str | None:
    context = getattr(execution_context, "context", None)
    return getattr(getattr(context, "request", None), "request_id", None)


def log_errors(errors: list[GraphQLError], execution_context) -> None:
    """Log unexpected errors in full, with the request id the client was given."""
    request_id = request_id_of(execution_context)
    for error in errors:
        if is_unexpected(error):
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
        request_id = request_id_of(self.execution_context)
        if isinstance(error.original_error, (OperationalError, InterfaceError)):
            # The database is away, not broken: 503 tells clients and load
            # balancers to retry rather than report a bug.
            self.execution_context.context.response.status_code = 503
            message, code = "Service temporarily unavailable", "SERVICE_UNAVAILABLE"
        else:
            message, code = "Internal server error", "INTERNAL_SERVER_ERROR"
        return GraphQLError(
            f"{message} (request id {request_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": code, "requestId": request_id},
        )
