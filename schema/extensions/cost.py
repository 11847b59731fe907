"""What validating a document will cost, bounded before it is validated."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
)

from schema.responses import error_extensions
from users.errors import RequestErrorCode


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
