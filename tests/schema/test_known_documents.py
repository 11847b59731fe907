"""A document the process has parsed and validated runs straight on graphql-core
(schema/schema.py, Schema.execute_sync): the same answers as strawberry's path,
without its extension hooks."""

from __future__ import annotations

import pytest
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner

from schema import schema as schema_module
from schema.mutations import Mutation
from schema.queries import Query
from tests.documents import STRONG_PASSWORD

ME = "{ me { id email emailVerified } }"
TWO = "query First { me { id } } query Second { __typename }"
LOGIN = "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { success } }"
USERS = "{ users { email } }"


@pytest.fixture
def runners(monkeypatch):
    """Every request that took strawberry's path (one extensions runner each)."""
    made = []
    original = SchemaExtensionsRunner.__init__

    def counting(self, *args, **kwargs):
        made.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaExtensionsRunner, "__init__", counting)
    return made


def test_a_known_document_runs_without_strawberrys_extension_hooks(gql, ada, login, runners):
    token = login()
    runners.clear()
    for _ in range(3):
        assert gql(ME, token=token)["me"]["email"] == "ada@example.com"
    assert runners == []


def test_a_document_that_does_not_validate_takes_strawberrys_path(gql, runners):
    response = gql.post("{ me { password } }")
    assert "Cannot query field 'password'" in response.json()["errors"][0]["message"]
    assert runners == [1]


def test_an_unknown_extension_turns_the_known_path_off():
    """The known path does the work of the extensions it knows; with any other, that
    extension's hooks must run, so every request takes strawberry's path."""
    executed = []

    class Recording(SchemaExtension):
        def on_execute(self):
            executed.append(1)
            yield

    plain = schema_module.Schema(query=Query, mutation=Mutation, extensions=schema_module.extensions())
    assert plain.document_checks is not None
    recording = schema_module.Schema(
        query=Query, mutation=Mutation, extensions=[*schema_module.extensions(), Recording]
    )
    assert recording.document_checks is None
    for _ in range(2):
        assert recording.execute_sync("{ __typename }").data == {"__typename": "Query"}
    assert executed == [1, 1]


def both_ways(gql, monkeypatch, runners, request, method="POST", known=True):
    """The answer of the known path and of strawberry's to the same request, which
    must be the same (`known`: whether the known path takes it at all)."""
    headers = {"HTTP_X_REQUEST_ID": "same-request-id", **request.pop("headers", {})}
    answers = []
    for path_on in (True, False):
        with monkeypatch.context() as patch:
            if not path_on:
                patch.setattr(schema_module.schema, "document_checks", None)
            runners.clear()
            if method == "GET":
                response = gql.client.get("/graphql/", request, **headers)
            else:
                response = gql.client.post("/graphql/", request, content_type="application/json", **headers)
            answers.append((response.status_code, response.json(), bool(runners)))
    (known_status, known_body, known_took_strawberrys), (status, body, took_strawberrys) = answers
    assert took_strawberrys and known_took_strawberrys is not known  # each way taken as meant
    assert (known_status, known_body) == (status, body)
    return status, body


def test_named_operations_answer_alike(gql, monkeypatch, runners):
    status, body = both_ways(gql, monkeypatch, runners, {"query": TWO, "operationName": "Second"})
    assert body == {"data": {"__typename": "Query"}}


def test_a_document_of_several_operations_sent_without_a_name_runs_the_first_alike(gql, monkeypatch, runners):
    status, body = both_ways(gql, monkeypatch, runners, {"query": TWO})
    assert body == {"data": {"me": None}}


def test_an_operation_the_document_lacks_answers_alike(gql, monkeypatch, runners):
    status, body = both_ways(gql, monkeypatch, runners, {"query": TWO, "operationName": "Third"}, known=False)
    assert body["errors"][0]["message"] == 'Unknown operation named "Third".'


def test_variables_that_do_not_coerce_answer_alike(gql, monkeypatch, runners):
    status, body = both_ways(gql, monkeypatch, runners, {"query": LOGIN, "variables": {"email": "ada@example.com"}})
    assert "$password" in body["errors"][0]["message"]


def test_a_field_the_caller_may_not_read_answers_alike(gql, ada, login, monkeypatch, runners):
    token = login()
    request = {"query": USERS, "headers": {"HTTP_AUTHORIZATION": f"Token {token}"}}
    status, body = both_ways(gql, monkeypatch, runners, request)
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_a_login_answers_alike(gql, ada, monkeypatch, runners):
    variables = {"email": "ada@example.com", "password": STRONG_PASSWORD}
    status, body = both_ways(gql, monkeypatch, runners, {"query": LOGIN, "variables": variables})
    assert body == {"data": {"login": {"success": True}}}


def test_an_unexpected_error_is_masked_alike(gql, monkeypatch, runners, settings):
    settings.PASSWORD_HASHERS = ["tests.support.ExplodingPasswordHasher"]
    variables = {"email": "ada@example.com", "password": "whatever it is"}
    status, body = both_ways(gql, monkeypatch, runners, {"query": LOGIN, "variables": variables})
    assert body["errors"][0]["message"] == "Internal server error (request id same-request-id)."


def test_an_outage_answers_503_alike(gql, monkeypatch, runners, settings):
    settings.PASSWORD_HASHERS = ["tests.support.DatabaseDownPasswordHasher"]
    variables = {"email": "ada@example.com", "password": "whatever it is"}
    status, body = both_ways(gql, monkeypatch, runners, {"query": LOGIN, "variables": variables})
    assert status == 503
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


def test_a_mutation_by_get_is_refused_alike(gql, monkeypatch, runners):
    request = {"query": "mutation { logout { success } }"}
    gql.post(request["query"])  # known to the process, so the known path is the one refusing
    status, body = both_ways(gql, monkeypatch, runners, request, method="GET")
    assert status == 405


def test_an_async_resolver_on_the_known_path_is_an_unexpected_error_masked(caplog):
    """This path is sync: an async resolver's result cannot be awaited. Strawberry's
    path answers its own words for it; this one masks it as it masks any bug (and
    logs it), and leaves no coroutine unawaited."""
    import strawberry

    @strawberry.type
    class Slow:
        @strawberry.field
        async def later(self) -> int:
            return 1

    slow = schema_module.Schema(query=Slow, extensions=schema_module.extensions())
    assert slow.document_checks is not None
    result = slow.execute_sync("{ later }")
    (error,) = result.errors
    assert error.message == "Internal server error (request id None)."
    assert "failed to complete synchronously" in caplog.text
