"""A document's cost is bounded before it is validated.

Validation is quadratic in fields that share a response name (graphql-core's
OverlappingFieldsCanBeMerged): an anonymous 11 KB document of repeated fields
cost 90-250 ms. Documents are now measured first, in one pass over their
selections with fragments expanded, and refused past the bound without being
validated. The bound admits every real document (the explorer's introspection
query, the contract's largest selections).
"""

import pytest
from django.test import override_settings
from graphql import get_introspection_query

from tests.documents import ME, STRONG_PASSWORD

COSTLY = {
    "one field 990 times": "{ me { " + "emailVerified " * 990 + "} }",
    "a nested field 245 times": "{ me { " + "sessions { id } " * 245 + "} }",
    "a root field 140 times": "{ " + "me { sessions { id } } " * 140 + "}",
    "a fragment spread 11 times": "query { ...A ...A ...A ...A ...A ...A ...A ...A ...A ...A ...A } "
    "fragment A on Query { " + "me { id } " * 60 + "}",
    "fragments doubling": "query { me { ...A ...A } } fragment A on User { ...B ...B } fragment B on User { ...C ...C } "
    "fragment C on User { ...D ...D } fragment D on User { ...E ...E } "
    "fragment E on User { ...F ...F } fragment F on User { ...G ...G } "
    "fragment G on User { ...H ...H } fragment H on User { id email emailVerified }",
    "inline fragments": "{ me { " + "... on User { sessions { id } } " * 100 + "} }",
}


@pytest.fixture
def validations(monkeypatch):
    """Counts runs of the rule whose cost is quadratic: one per validation."""
    from graphql.validation.rules.overlapping_fields_can_be_merged import OverlappingFieldsCanBeMergedRule

    calls = []
    original = OverlappingFieldsCanBeMergedRule.__init__

    def counting(self, *args, **kwargs):
        calls.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(OverlappingFieldsCanBeMergedRule, "__init__", counting)
    from schema.extensions import documents

    documents.forget()  # documents other tests sent are validated already
    return calls


@pytest.mark.parametrize("document", COSTLY.values(), ids=COSTLY.keys())
def test_costly_documents_are_refused_before_validation(gql, validations, document):
    response = gql.post(document)
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert "too complex" in error["message"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert validations == []


FULL_INTROSPECTION = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
)
LARGEST = """mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    success token expiresAt errors { field code message }
    user { id email emailVerified dateJoined lastLogin
           sessions { id createdAt lastUsedAt expiresAt userAgent ipAddress current } }
  }
}"""
FRAGMENTED = """query { me { ...Identity ...Security id __typename } }
fragment Identity on User { id __typename email emailVerified }
fragment Security on User { id __typename lastLogin sessions { id __typename current } }"""


@pytest.mark.parametrize(
    "document",
    [FULL_INTROSPECTION, LARGEST, FRAGMENTED, ME],
    ids=["explorer introspection", "largest contract selection", "client fragments", "me"],
)
def test_real_documents_pass(gql, make_user, validations, document):
    make_user()
    variables = {"email": "ada@example.com", "password": STRONG_PASSWORD} if "$email" in document else {}
    body = gql.post(document, variables).json()
    assert "errors" not in body, body
    assert validations == [1]


def doubling_chain(levels: int, last: str) -> str:
    """Each fragment spreads the next twice: 2**levels spreads from a few hundred bytes."""
    names = [f"F{n}" for n in range(levels)]
    fragments = " ".join(
        f"fragment {name} on User {{ ...{following} ...{following} }}"
        for name, following in zip(names, [*names[1:], last], strict=True)
    )
    return f"query {{ me {{ ...F0 }} }} {fragments}"


@pytest.mark.parametrize(
    "document",
    [
        doubling_chain(16, "Missing"),  # ends in an unknown fragment
        doubling_chain(16, "F0"),  # ends in a cycle
        doubling_chain(16, "End") + " fragment End on User { __typename }",  # ends in a field
    ],
    ids=["unknown fragment", "cycle", "fields"],
)
def test_fragment_spreads_count_toward_the_bound(gql, monkeypatch, document):
    """The measure itself is bounded: every spread is a step, so a chain that
    doubles at each fragment costs at most the bound, however it ends."""
    from schema.extensions import DocumentCost

    steps = []
    walk = DocumentCost.fields_of

    def counting(self, *args):
        steps.append(1)
        return walk(self, *args)

    monkeypatch.setattr(DocumentCost, "fields_of", counting)
    response = gql.post(document)
    assert response.status_code == 200 and response.json()["errors"]
    assert len(steps) <= 600


def test_an_unknown_fragment_is_refused_as_graphql_says(gql):
    response = gql.post("query { ...A } fragment A on Query { ...Missing }")
    (error,) = response.json()["errors"]
    assert error["message"] == "Unknown fragment 'Missing'."


def test_a_repeated_document_is_parsed_and_validated_once_and_never_hashed(gql, make_user, validations, monkeypatch):
    """Documents are cached by their text. graphql-core's nodes are frozen
    dataclasses whose hash walks the whole tree, so a cache keyed by the parsed
    document pays that walk at every request, however often it hits."""
    from graphql.language.ast import DocumentNode
    from graphql.language.parser import Parser

    from schema.extensions import parsed

    parsed.cache_clear()
    parses, hashes = [], []
    parse_document = Parser.parse_document
    monkeypatch.setattr(Parser, "parse_document", lambda self: parses.append(1) or parse_document(self))
    monkeypatch.setattr(DocumentNode, "__hash__", lambda self: hashes.append(1) or id(self))
    make_user()
    for _ in range(3):
        assert "errors" not in gql.post(ME).json()
    assert (len(parses), len(validations), len(hashes)) == (1, 1, 0)


def test_a_document_another_extension_set_is_validated_with_the_same_rules(db):
    """Whatever sets the document (a persisted-query extension, say), the one that
    runs passes the depth limit and the cost bound, not only strawberry's defaults."""
    from graphql import parse
    from strawberry.extensions import SchemaExtension

    from schema.mutations import Mutation
    from schema.queries import Query
    from schema.schema import Schema, extensions

    too_deep = parse("{ me { sessions { id } } " + "me { id } " * 2 + "}")

    class SetsTheDocument(SchemaExtension):
        def on_operation(self):
            self.execution_context.graphql_document = too_deep
            yield

    with override_settings(GRAPHQL_MAX_DEPTH=1):
        schema = Schema(query=Query, mutation=Mutation, extensions=[SetsTheDocument, *extensions()])
    result = schema.execute_sync(None)
    assert result.errors and "exceeds maximum operation depth of 1" in result.errors[0].message
