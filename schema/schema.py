"""The schema served at /graphql/."""

from __future__ import annotations

from functools import partial
from types import NoneType

import strawberry
from django.conf import settings
from graphql import GraphQLError, MiddlewareManager, execute, specified_rules
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import max_aliases as alias_limiter
from strawberry.extensions import query_depth_limiter as depth_limiter
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry_django.optimizer import DjangoOptimizerExtension

from schema.extensions import (
    CheckedDocuments,
    MaskUnexpectedErrors,
    OneCredentialMutationPerRequest,
    hide_suggestions,
    log_errors,
    runnable,
)
from schema.mutations import Mutation
from schema.queries import Query

# The extensions whose work the known-document path (Schema.execute_sync) does
# itself, in this order; a schema with any other runs strawberry's path alone.
KNOWN_EXTENSIONS = [CheckedDocuments, DjangoOptimizerExtension, MaskUnexpectedErrors]


def entered(hook):
    """A strawberry extension hook (a generator) run up to its yield: `next` on what
    it returns runs the rest, as strawberry's runner does around a stage."""
    steps = hook()
    next(steps)
    return steps


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
        self.optimizer = wrapping[0]
        kinds = [getattr(extension, "func", extension) for extension in self.extensions]
        known_path = (
            kinds == KNOWN_EXTENSIONS
            and not self.directives
            and not self.config.enable_experimental_incremental_execution
        )
        # The rules and token bound the documents are checked with (CheckedDocuments' arguments).
        self.document_checks = self.extensions[0].args if known_path else None

    def _get_middleware_manager(self, extensions) -> MiddlewareManager:
        return self.shared_middleware

    def execute_sync(
        self,
        query,
        variable_values=None,
        context_value=None,
        root_value=None,
        operation_name=None,
        allowed_operation_types=None,
        operation_extensions=None,
    ) -> ExecutionResult:
        """A document this process has parsed and validated (on its first request,
        once) runs straight on graphql-core, doing what the schema's extensions would
        do around it: their hooks, each wrapped per request and per stage, cost more
        than executing a small query. Anything else (a text that does not parse or
        validate, an operation name the document lacks) takes strawberry's path,
        which answers its errors."""
        operation_type = None
        if self.document_checks is not None and isinstance(query, str) and isinstance(operation_name, (str, NoneType)):
            rules, max_tokens = self.document_checks
            known = runnable(self._schema, query, max_tokens, rules)
            operation_type = known.operation_types.get(operation_name) if known is not None else None
        if operation_type is None:
            return super().execute_sync(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )
        allowed = DEFAULT_ALLOWED_OPERATION_TYPES if allowed_operation_types is None else allowed_operation_types
        if operation_type not in allowed:
            raise InvalidOperationTypeError(operation_type)
        executing = entered(self.optimizer.on_execute)  # the optimizer's context, by its own hook
        try:
            result = execute(
                self._schema,
                known.document,
                root_value=root_value,
                context_value=context_value,
                variable_values=variable_values,
                operation_name=known.first_operation_name if operation_name is None else operation_name,
                middleware=self.shared_middleware,
                executor_class=self.execution_context_class,
                is_awaitable=optimized_is_awaitable,
                is_async_iterable=lambda _value: False,
                operation_extensions=operation_extensions,
            )
            if optimized_is_awaitable(result):  # an async resolver, which this sync path cannot await
                getattr(result, "close", lambda: None)()  # a coroutine: closed, never run
                raise RuntimeError("GraphQL execution failed to complete synchronously.")
            errors = result.errors
        except Exception as error:  # as strawberry's path turns it into the answer's error
            result, errors = (
                None,
                [error if isinstance(error, GraphQLError) else GraphQLError(str(error), original_error=error)],
            )
        finally:
            next(executing, None)
        answer = ExecutionResult(data=result.data if result is not None else None, errors=errors, extensions={})
        if errors:
            context = ExecutionContext(
                query=query,
                schema=self,
                allowed_operations=allowed,
                context=context_value,
                root_value=root_value,
                variables=variable_values,
                provided_operation_name=operation_name,
                operation_extensions=operation_extensions,
            )
            context.graphql_document, context.result = known.document, answer
            self._process_errors(errors, context)  # logged as they are, then masked
            masking = MaskUnexpectedErrors()
            masking.execution_context = context
            next(entered(masking.on_operation), None)  # its hook masks context.result's errors
        return answer

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
