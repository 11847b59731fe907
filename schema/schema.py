"""The schema served at /graphql/."""

from __future__ import annotations

from functools import partial

import strawberry
from django.conf import settings
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache
from strawberry.extensions import max_aliases as alias_limiter
from strawberry.extensions import query_depth_limiter as depth_limiter
from strawberry_django.optimizer import DjangoOptimizerExtension

from schema.extensions import (
    BoundedValidation,
    MaskUnexpectedErrors,
    OneCredentialMutationPerRequest,
    hide_suggestions,
    log_errors,
)
from schema.mutations import Mutation
from schema.queries import Query


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        # Every error passes here (validation and execution alike), before
        # MaskUnexpectedErrors: the log keeps what the client won't see.
        if not settings.GRAPHQL_INTROSPECTION:
            hide_suggestions(errors)
        log_errors(errors, execution_context)


def validation_rules() -> list:
    """The document guards, as graphql-core rules made once per schema.

    Made once, not per request as strawberry's limiter extensions make them, so
    that the rule set is the same object every time and ValidationCache, which
    is keyed by it, hits: repeated documents are then validated once.
    """
    rules = [
        depth_limiter.create_validator(settings.GRAPHQL_MAX_DEPTH, should_ignore=None),
        alias_limiter.create_validator(settings.GRAPHQL_MAX_ALIASES),
        OneCredentialMutationPerRequest,
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules


def extensions() -> list:
    return [
        # Clients send the same few documents again and again: parse and
        # validate each once. Keyed by the document text, so bounded in size.
        # A document's cost is bounded before it is validated.
        partial(ParserCache, maxsize=256),
        BoundedValidation,
        partial(MaxTokensLimiter, max_token_count=settings.GRAPHQL_MAX_TOKENS),
        partial(AddValidationRules, validation_rules()),
        DjangoOptimizerExtension,
        MaskUnexpectedErrors,
    ]


schema = Schema(
    query=Query,
    mutation=Mutation,
    extensions=extensions(),
)
