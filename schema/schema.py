"""The schema served at /graphql/."""

from __future__ import annotations

from functools import partial

import strawberry
from django.conf import settings
from graphql import GraphQLError, MiddlewareManager, specified_rules
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import max_aliases as alias_limiter
from strawberry.extensions import query_depth_limiter as depth_limiter
from strawberry_django.optimizer import DjangoOptimizerExtension

from schema.extensions import (
    CheckedDocuments,
    MaskUnexpectedErrors,
    OneCredentialMutationPerRequest,
    hide_suggestions,
    log_errors,
)
from schema.mutations import Mutation
from schema.queries import Query


class Schema(strawberry.Schema):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Strawberry builds a graphql-core MiddlewareManager per request from the
        # extensions that wrap resolvers, and its cache of wrapped resolvers with it,
        # so every field is wrapped anew at every request. The one such extension here,
        # the optimizer, reads its settings and a context variable in `resolve`, never
        # the request: one manager serves them all.
        wrapping = [extension for extension in self.get_extensions(sync=True) if extension._implements_resolve()]
        if [type(extension) for extension in wrapping] != [DjangoOptimizerExtension]:
            raise TypeError(f"a resolver-wrapping extension kept across requests must be stateless: {wrapping}")
        self.shared_middleware = MiddlewareManager(*wrapping)

    def _get_middleware_manager(self, extensions) -> MiddlewareManager:
        return self.shared_middleware

    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        # Every error passes here (validation and execution alike), before
        # MaskUnexpectedErrors: the log keeps what the client won't see.
        if not settings.GRAPHQL_INTROSPECTION:
            hide_suggestions(errors)
        log_errors(errors, execution_context)


def validation_rules() -> tuple:
    """GraphQL's rules and the document guards, as graphql-core rules made once
    per schema (strawberry's limiter extensions make new rule classes for each
    request, which no cache keyed by the rules could hit)."""
    rules = [
        depth_limiter.create_validator(settings.GRAPHQL_MAX_DEPTH, should_ignore=None),
        alias_limiter.create_validator(settings.GRAPHQL_MAX_ALIASES),
        OneCredentialMutationPerRequest,
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        rules.append(NoSchemaIntrospectionCustomRule)
    return (*specified_rules, *rules)


def extensions() -> list:
    return [
        # Each document text parsed and validated once per process, its cost
        # bounded before it is validated.
        partial(CheckedDocuments, validation_rules(), settings.GRAPHQL_MAX_TOKENS),
        DjangoOptimizerExtension,
        MaskUnexpectedErrors,
    ]


schema = Schema(
    query=Query,
    mutation=Mutation,
    extensions=extensions(),
)
