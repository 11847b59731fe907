"""The schema served at /graphql/."""

from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry_django.optimizer import DjangoOptimizerExtension

from schema.mutations import Mutation
from schema.queries import Query


def is_unexpected(error: GraphQLError) -> bool:
    """True for errors raised by a bug or an outage rather than by the GraphQL layer.

    Their text may name internals (SQL, paths, settings), so the client gets a
    generic message; the full error is logged by strawberry.
    """
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[
        DjangoOptimizerExtension,
        partial(MaskErrors, should_mask_error=is_unexpected, error_message="Internal server error."),
    ],
)
