"""Documents parsed and validated once per process: one extension for what
strawberry's ParserCache, MaxTokensLimiter, AddValidationRules and
ValidationCache do."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode, parse
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from schema.extensions.cost import cost_error

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


@dataclass(frozen=True)
class Runnable:
    """A document known to be valid: the type of each operation it holds, by name,
    and the operation a request naming none runs (strawberry runs the first)."""

    document: DocumentNode
    operation_types: dict[str | None, OperationType]
    first_operation_name: str | None


@lru_cache(maxsize=DOCUMENTS_CACHED)
def runnable(schema: GraphQLSchema, query: str, max_tokens: int, rules: tuple) -> Runnable | None:
    """The text's document if it parses and is valid, else None (its errors are
    the full path's to answer)."""
    try:
        if validation_errors(schema, query, max_tokens, rules):
            return None
    except Exception:  # a syntax error, too many tokens, or a rule's bug: strawberry's path answers it
        return None
    document = parsed(query, max_tokens)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    types = {d.name.value: OperationType(d.operation.value) for d in reversed(operations) if d.name}
    types[None] = OperationType(operations[0].operation.value)  # a valid document holds one at least
    first = operations[0].name
    return Runnable(document, types, first.value if first else None)


def forget() -> None:
    """Empty the process's document caches (tests that count parses and validations)."""
    for cache in (parsed, validation_errors, runnable):
        cache.cache_clear()


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
