"""The schema served at /graphql/."""

from __future__ import annotations

from functools import partial

import strawberry
from django.conf import settings
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry_django.optimizer import DjangoOptimizerExtension

from schema.extensions import MaskUnexpectedErrors, OneCredentialMutationPerRequest, log_errors
from schema.mutations import Mutation
from schema.queries import Query


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        # Called before MaskUnexpectedErrors, so the log keeps what the client won't see.
        log_errors(errors, execution_context)


def extensions() -> list:
    guards = [
        partial(QueryDepthLimiter, max_depth=settings.GRAPHQL_MAX_DEPTH),
        partial(MaxAliasesLimiter, max_alias_count=settings.GRAPHQL_MAX_ALIASES),
        partial(MaxTokensLimiter, max_token_count=settings.GRAPHQL_MAX_TOKENS),
        partial(AddValidationRules, [OneCredentialMutationPerRequest]),
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        guards.append(DisableIntrospection)
    return [
        # Clients send the same few documents again and again: parse and
        # validate each once. Keyed by the document text, so bounded in size.
        partial(ParserCache, maxsize=256),
        partial(ValidationCache, maxsize=256),
        *guards,
        DjangoOptimizerExtension,
        MaskUnexpectedErrors,
    ]


schema = Schema(
    query=Query,
    mutation=Mutation,
    extensions=extensions(),
    config=StrawberryConfig(disable_field_suggestions=not settings.GRAPHQL_INTROSPECTION),
)
