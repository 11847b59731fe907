"""A validation rule: one credential mutation per request.

Strawberry's own limiters bound depth, aliases and tokens; this rule stops a
single request from carrying several password guesses (or several reset
attempts) under aliases, so rate limits count requests as attempts.
"""

from __future__ import annotations

from functools import cache

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    ValidationRule,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter

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
