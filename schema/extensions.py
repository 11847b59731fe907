"""Guards on what a GraphQL document may ask, and on what an error may tell.

Strawberry's own limiters bound depth, aliases and tokens; the rule here stops
a single request from carrying several password guesses (or several reset
attempts) under aliases, so rate limits count requests as attempts. Masking
keeps any unexpected error's text (SQL, paths, settings) from the client.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from functools import cache, lru_cache

from django.conf import settings
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    ValidationRule,
    parse,
)
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.schema.schema_converter import GraphQLCoreConverter

from schema.responses import error_extensions
from users.errors import RequestErrorCode
from users.outages import is_outage, report

logger = logging.getLogger("gql_auth.graphql")
STRAWBERRY_DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF

# The mark `schema.mutations.credential_mutation` puts on a field's metadata.
CREDENTIAL = "gql_auth.credential"


@cache
def credential_mutations(schema: GraphQLSchema) -> tuple[str, ...]:
    """The schema's mutations marked as checking a secret or sending mail."""
    mutation_type = schema.mutation_type
    fields = mutation_type.fields.items() if mutation_type is not None else ()
    return tuple(
        name
        for name, field in fields
        if getattr(field.extensions.get(STRAWBERRY_DEFINITION), "metadata", {}).get(CREDENTIAL)
    )


def one_of(names: tuple[str, ...]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


class OneCredentialMutationPerRequest(ValidationRule):
    """Refuse a mutation operation that selects more than one credential mutation,
    whether through aliases, fragments or inline fragments."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args) -> None:
        if node.operation != OperationType.MUTATION:
            return
        names = credential_mutations(self.context.schema)
        found = list(self.credential_fields(node.selection_set.selections, set(), frozenset(names)))
        if len(found) > 1:
            # The ones the document selected first, then the rest.
            selected = dict.fromkeys(field.name.value for field in found)
            listed = tuple(selected) + tuple(name for name in names if name not in selected)
            self.report_error(GraphQLError(f"Only one of {one_of(listed)} may run per request.", found))

    def credential_fields(self, selections, seen_fragments: set[str], names: frozenset[str]):
        for selection in selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in names:
                    yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self.credential_fields(selection.selection_set.selections, seen_fragments, names)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.context.get_fragment(name)
                if fragment is not None and name not in seen_fragments:
                    seen_fragments.add(name)
                    yield from self.credential_fields(fragment.selection_set.selections, seen_fragments, names)


class TooComplex(Exception):
    pass


class UnknownFragment(Exception):
    pass


class DocumentCost:
    """What validating a document will cost, measured in one pass before it runs.

    graphql-core's OverlappingFieldsCanBeMerged compares every pair of fields
    that share a response name in a selection set, and for each pair their
    sub-selections, merged: 140 copies of `me { sessions { id } }` are ~10,000
    pairs and 180 ms. So fields are grouped as that rule merges them (fragments
    and inline fragments expanded, same-name fields' sub-selections joined), and
    same-name pairs are counted. Every selection walked (a field, a fragment
    spread, an inline fragment) is a step against the bound on fields, so the
    walk itself is bounded, however fragments spread one another; it stops at
    the first bound passed. A spread of a fragment the document does not define
    is refused here, as validation would (strawberry's depth limiter, which runs
    inside validation, fails on one).
    """

    def __init__(self, document: DocumentNode) -> None:
        self.document = document
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.steps = self.pairs = 0

    def measure(self) -> None:
        for definition in self.document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                self.measure_group([(definition.selection_set, frozenset())])

    def measure_group(self, selection_sets) -> None:
        """Selection sets that graphql-core merges: one field's, or same-name fields'."""
        groups = defaultdict(list)
        for selection_set, fragments in selection_sets:
            for field, inside in self.fields_of(selection_set, fragments):
                groups[(field.alias or field.name).value].append((field, inside))
        for members in groups.values():
            self.pairs += len(members) * (len(members) - 1) // 2
            if self.pairs > settings.GRAPHQL_MAX_FIELD_PAIRS:
                raise TooComplex
            subsets = [(field.selection_set, inside) for field, inside in members if field.selection_set]
            if subsets:
                self.measure_group(subsets)

    def fields_of(self, selection_set, fragments: frozenset):
        """The fields a selection set selects, through fragments (each with the
        fragments it sits in, which must not recur: a cycle is validation's to report)."""
        for selection in selection_set.selections:
            self.steps += 1
            if self.steps > settings.GRAPHQL_MAX_FIELDS:
                raise TooComplex
            if isinstance(selection, FieldNode):
                yield selection, fragments
            elif isinstance(selection, InlineFragmentNode):
                yield from self.fields_of(selection.selection_set, fragments)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in self.fragments:
                    raise UnknownFragment(name)
                if name not in fragments:
                    yield from self.fields_of(self.fragments[name].selection_set, fragments | {name})


def cost_error(document: DocumentNode) -> GraphQLError | None:
    try:
        DocumentCost(document).measure()
    except UnknownFragment as unknown:
        return GraphQLError(f"Unknown fragment '{unknown}'.")
    except TooComplex:
        return GraphQLError(
            f"The document is too complex: it may select at most {settings.GRAPHQL_MAX_FIELDS} "
            f"fields and fragments, counted where they are spread, and repeat fields at most "
            f"{settings.GRAPHQL_MAX_FIELD_PAIRS} pairs' worth.",
            extensions=error_extensions(RequestErrorCode.QUERY_TOO_COMPLEX),
        )
    return None


# Documents a process keeps, parsed and validated: clients send the same few again
# and again; bounded, since anyone may send new ones.
DOCUMENTS_CACHED = 256


@lru_cache(maxsize=DOCUMENTS_CACHED)
def parsed(query: str, max_tokens: int) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


def checked(schema: GraphQLSchema, document: DocumentNode, rules: tuple) -> list[GraphQLError]:
    """Validation for documents whose cost is bounded; costlier ones are refused unvalidated."""
    from strawberry.schema.schema import validate_document

    error = cost_error(document)
    return [error] if error is not None else validate_document(schema, document, rules)


@lru_cache(maxsize=DOCUMENTS_CACHED)
def validation_errors(schema: GraphQLSchema, query: str, max_tokens: int, rules: tuple) -> list[GraphQLError]:
    """`checked`, keyed by the text, whose hash Python keeps: a parsed document
    (graphql-core's frozen dataclasses) would be hashed node by node per request."""
    return checked(schema, parsed(query, max_tokens), rules)


class CheckedDocuments(SchemaExtension):
    """Parse each document text once per process, bounded in tokens; validate it
    once, with the schema's rules and the cost bound in front (DocumentCost).

    One extension for what strawberry's ParserCache, MaxTokensLimiter,
    AddValidationRules and ValidationCache do, for two reasons: each extension
    costs every request its own hooks, and ValidationCache is keyed by the
    parsed document, hashed anew at each request.
    """

    def __init__(self, rules: tuple, max_tokens: int) -> None:
        super().__init__()
        self.rules = rules  # made once per schema: part of the cache's key
        self.max_tokens = max_tokens
        self.text: str | None = None  # the text of the document parsed here

    def on_parse(self):
        context = self.execution_context
        if context.graphql_document is None and context.query:
            context.graphql_document = parsed(context.query, self.max_tokens)
            self.text = context.query
        yield

    def on_validate(self):
        context = self.execution_context
        if self.text is not None:
            errors = validation_errors(context.schema._schema, self.text, self.max_tokens, self.rules)
        else:
            # A document this extension did not parse (another extension set it):
            # the one that will run is validated, with the same rules, uncached.
            errors = checked(context.schema._schema, context.graphql_document, self.rules)
        context.pre_execution_errors = list(errors)  # a copy: the cached list is every later request's too
        yield


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
