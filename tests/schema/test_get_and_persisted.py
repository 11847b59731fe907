"""GraphQL over HTTP as clients speak it (schema/views.py, schema/persisted.py):
queries by GET, never mutations and never with the cookie; documents named by
their hash (Apollo's automatic persisted queries, `documentId`); and trusted
documents, GRAPHQL_TRUSTED_DOCUMENTS, when only a manifest's documents run."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from schema import persisted
from schema.extensions import documents
from tests.servers import ROOT
from users.models import AuthToken

pytestmark = pytest.mark.django_db

ME = "query Me { me { id email } }"
LOGOUT = "mutation { logout { success } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apq(digest: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


@pytest.fixture
def token(ada) -> str:
    return AuthToken.objects.issue(ada)[1]


@pytest.fixture(autouse=True)
def fresh_store(monkeypatch):
    """Each test starts with a process that has remembered no hash."""
    monkeypatch.setattr(persisted, "remembered", persisted.Remembered())


def get(params: dict, **headers):
    query = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
    return Client().get("/graphql/", query, HTTP_ACCEPT="application/json", **headers)


def post(body: dict, **headers):
    return Client().post("/graphql/", body, content_type="application/json", **headers)


def test_a_query_by_get_answers_as_by_post(token):
    by_get = get({"query": ME}, HTTP_AUTHORIZATION=f"Token {token}")
    by_post = post({"query": ME}, HTTP_AUTHORIZATION=f"Token {token}")
    assert by_get.status_code == 200 and by_get.json() == by_post.json()
    assert by_get.json()["data"]["me"]["email"] == "ada@example.com"
    assert "no-store" in by_get["Cache-Control"]  # an answer about a person, cached nowhere


def test_a_mutation_by_get_is_a_method_not_allowed_and_does_nothing(token):
    answer = get({"query": LOGOUT}, HTTP_AUTHORIZATION=f"Token {token}")
    assert answer.status_code == 405 and answer["Allow"] == "POST"
    (error,) = answer.json()["errors"]
    assert error["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert AuthToken.objects.count() == 1


def test_the_session_cookie_never_authenticates_a_get(ada, gql):
    from tests.documents import STRONG_PASSWORD

    browser = Client()
    login = f'mutation {{ login(email: "ada@example.com", password: "{STRONG_PASSWORD}", cookie: true) {{ success }} }}'
    signed_in = browser.post("/graphql/", {"query": login}, content_type="application/json")
    assert signed_in.json()["data"]["login"]["success"]
    assert browser.post("/graphql/", {"query": ME}, content_type="application/json").json()["data"]["me"]
    assert browser.get("/graphql/", {"query": ME}, HTTP_ACCEPT="application/json").json()["data"]["me"] is None


def test_a_get_has_the_same_limits():
    aliased = "{ " + " ".join(f"a{n}: me {{ id }}" for n in range(30)) + " }"
    by_get, by_post = get({"query": aliased}), post({"query": aliased})
    assert by_get.json() == by_post.json() and by_get.json()["errors"]


@pytest.mark.parametrize("params", [{"query": ME, "variables": "{not json"}, {"query": ME, "extensions": "[1"}])
def test_a_malformed_get_is_a_json_bad_request(params):
    answer = Client().get("/graphql/", params, HTTP_ACCEPT="application/json")
    assert answer.status_code == 400 and answer.json()["errors"]


def test_a_hash_the_process_does_not_know_asks_for_its_document_then_stands_for_it(token):
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    missed = get({"extensions": apq(sha(ME))}, **auth)
    assert missed.status_code == 200
    assert missed.json()["errors"][0] == {
        "message": "PersistedQueryNotFound",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND", "requestId": missed["X-Request-ID"]},
    }
    registered = post({"query": ME, "extensions": apq(sha(ME))}, **auth)
    assert registered.json()["data"]["me"]["email"] == "ada@example.com"
    assert get({"extensions": apq(sha(ME))}, **auth).json() == registered.json()
    assert post({"documentId": sha(ME)}, **auth).json() == registered.json()
    assert post({"documentId": f"sha256:{sha(ME)}"}, **auth).json() == registered.json()


@pytest.mark.parametrize(
    "body",
    [
        {"query": ME, "extensions": apq(sha(ME + " "))},  # a hash that is not its document's
        {"query": ME, "extensions": {"persistedQuery": {"version": 2, "sha256Hash": sha(ME)}}},
        {"query": ME, "extensions": {"persistedQuery": "yes"}},
        {"documentId": 12},
        {"documentId": sha(ME), "extensions": apq(sha(ME))},
    ],
    ids=["mismatch", "version", "not-an-object", "not-a-string", "named-twice"],
)
def test_a_persisted_request_that_does_not_hold_together_is_refused(body):
    answer = post(body)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_INVALID"
    assert not persisted.remembered.texts  # nothing remembered from it, under any hash


def test_one_hash_costs_one_parse_and_one_validation_per_process(token, monkeypatch):
    documents.forget()
    validations = []
    checked = documents.checked
    monkeypatch.setattr(documents, "checked", lambda *args: validations.append(1) or checked(*args))
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    post({"query": ME, "extensions": apq(sha(ME))}, **auth)
    for _ in range(3):
        assert get({"extensions": apq(sha(ME))}, **auth).json()["data"]["me"]
        assert post({"documentId": sha(ME)}, **auth).json()["data"]["me"]
    assert documents.parsed.cache_info().misses == 1 and len(validations) == 1


def test_me_costs_the_same_queries_however_it_is_sent(token):
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    post({"query": ME, "extensions": apq(sha(ME))}, **auth)

    def count(send) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert send()["data"]["me"]
        return len(captured)

    plain = count(lambda: post({"query": ME}, **auth).json())
    assert count(lambda: get({"query": ME}, **auth).json()) == plain
    assert count(lambda: get({"extensions": apq(sha(ME))}, **auth).json()) == plain
    assert count(lambda: post({"documentId": sha(ME)}, **auth).json()) == plain


def test_the_process_remembers_a_bounded_number_of_hashes():
    store = persisted.Remembered(size=2)
    for text in ("a", "b", "c"):
        store.put(sha(text), text)
    assert store.get(sha("a")) is None and store.get(sha("c")) == "c"
    store.get(sha("b"))  # used: kept over the older "c"
    store.put(sha("d"), "d")
    assert store.get(sha("b")) == "b" and store.get(sha("c")) is None


@pytest.fixture
def manifest(tmp_path, settings):
    """A client preset's manifest holding ME alone, trusted."""
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({f"sha256:{sha(ME)}": ME}))  # as the client preset writes its keys
    settings.GRAPHQL_TRUSTED_DOCUMENTS = str(path)
    persisted.load_manifest.cache_clear()
    yield path
    persisted.load_manifest.cache_clear()


@pytest.mark.usefixtures("manifest")
def test_a_trusted_document_runs_named_or_whole(token):
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    for answer in (
        post({"documentId": sha(ME)}, **auth),
        get({"extensions": apq(sha(ME))}, **auth),
        post({"query": ME}, **auth),
        post({"query": ME, "extensions": apq(sha(ME))}, **auth),
    ):
        assert answer.status_code == 200 and answer.json()["data"]["me"]["email"] == "ada@example.com"


@pytest.mark.usefixtures("manifest")
@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"query": "{ me { id } }"}, 400, "DOCUMENT_NOT_TRUSTED"),
        ({"query": LOGOUT, "extensions": apq(sha(LOGOUT))}, 400, "DOCUMENT_NOT_TRUSTED"),  # no registering
        ({"documentId": sha(LOGOUT)}, 200, "PERSISTED_QUERY_NOT_FOUND"),
        ({"query": LOGOUT, "extensions": apq(sha(ME))}, 400, "PERSISTED_QUERY_INVALID"),
    ],
    ids=["another-text", "registering-one", "an-unknown-hash", "another-text-under-a-trusted-hash"],
)
def test_nothing_else_runs_when_documents_are_trusted(token, body, status, code):
    answer = post(body, HTTP_AUTHORIZATION=f"Token {token}")
    assert answer.status_code == status
    assert answer.json()["errors"][0]["extensions"]["code"] == code and "data" not in answer.json()
    assert AuthToken.objects.count() == 1


@pytest.mark.parametrize("content", ["not json", "[]", "{}", '{"abc": 3}', '{"abc": " "}'])
def test_a_manifest_that_is_not_one_stops_start_up(tmp_path, content):
    path = tmp_path / "manifest.json"
    path.write_text(content)
    with pytest.raises(ImproperlyConfigured, match="GRAPHQL_TRUSTED_DOCUMENTS"):
        persisted.load_manifest(str(path))
    with pytest.raises(ImproperlyConfigured, match="not a readable JSON file"):
        persisted.load_manifest(str(tmp_path / "missing.json"))


def test_the_services_own_pages_send_whole_documents_that_the_schema_accepts():
    """Each document the hosted pages' scripts send is one literal (no `${}`), found by
    schema/persisted.py and valid against the schema, so it can be trusted by its text."""
    import re

    from graphql import parse, validate

    from schema.schema import schema

    found = persisted.own_documents()
    assert len(found) >= 20
    for text in found:
        assert validate(schema._schema, parse(text)) == [], text
    for package in ("users/static/users", "provider/static/provider"):
        for script in (ROOT / package).glob("*.js"):
            pieced = re.findall(r"`[^`]*(?:mutation|query)[^`]*\$\{[^`]*`", script.read_text())
            assert pieced == [], f"{script.name} builds a document from pieces: {pieced}"


@pytest.mark.usefixtures("manifest")
def test_the_services_own_documents_run_whatever_the_manifest_holds(token):
    own = next(text for text in persisted.own_documents() if text.lstrip().startswith("{ me"))
    answer = post({"query": own}, HTTP_AUTHORIZATION=f"Token {token}")
    assert answer.status_code == 200 and answer.json()["data"]["me"]["email"] == "ada@example.com"


def test_the_process_remembers_a_bounded_number_of_characters():
    store = persisted.Remembered(size=100, characters=10)
    for text in ("aaaa", "bbbb", "cccc"):
        store.put(sha(text), text)
    assert store.get(sha("aaaa")) is None and store.get(sha("cccc")) == "cccc" and store.held == 8


@pytest.mark.parametrize(
    "params",
    [
        {"query": "query Q { me { id } } mutation M { logout { success } }", "operationName": "M"},
        {"extensions": apq(sha(LOGOUT))},
        {"documentId": sha(LOGOUT)},
    ],
    ids=["named-in-a-document-of-two", "by-hash", "by-document-id"],
)
def test_no_way_of_naming_a_mutation_runs_it_by_get(token, params):
    post({"query": LOGOUT, "extensions": apq(sha(LOGOUT))})  # the process knows its hash
    answer = get(params, HTTP_AUTHORIZATION=f"Token {token}")
    assert answer.status_code == 405 and answer.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert AuthToken.objects.count() == 1


def test_other_methods_are_told_which_are_allowed():
    answer = Client().put("/graphql/", "{}", content_type="application/json")
    assert answer.status_code == 405 and answer["Allow"] == "GET, POST"


def test_a_get_takes_its_variables_as_json(token):
    query = "query($first: Int) { me { securityEvents(first: $first) { type } } }"
    answer = get({"query": query, "variables": json.dumps({"first": 1})}, HTTP_AUTHORIZATION=f"Token {token}")
    assert answer.json()["data"]["me"]["securityEvents"] is not None


def test_a_hash_in_capitals_or_with_its_prefix_names_the_same_document(token):
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    post({"query": ME, "extensions": apq(sha(ME).upper())}, **auth)
    assert get({"extensions": apq(f"sha256:{sha(ME)}")}, **auth).json()["data"]["me"]


def test_a_get_naming_its_document_is_a_query_not_a_visit_to_the_explorer(token, settings):
    post({"query": ME, "extensions": apq(sha(ME))})
    answer = Client().get(
        "/graphql/", {"documentId": sha(ME)}, HTTP_ACCEPT="text/html", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert answer["Content-Type"].startswith("application/json") and answer.json()["data"]["me"]


@pytest.mark.usefixtures("manifest")
def test_a_trusted_document_runs_by_get_too(token):
    assert get({"documentId": sha(ME)}, HTTP_AUTHORIZATION=f"Token {token}").json()["data"]["me"]
    assert get({"query": "{ me { id } }"}).json()["errors"][0]["extensions"]["code"] == "DOCUMENT_NOT_TRUSTED"


def test_one_middleware_manager_serves_every_request_and_only_a_stateless_one():
    from strawberry.extensions import SchemaExtension

    from schema.schema import Schema, schema

    assert schema._get_middleware_manager([]) is schema.shared_middleware

    class Wrapping(SchemaExtension):
        def resolve(self, _next, root, info, *args, **kwargs):
            return _next(root, info, *args, **kwargs)

    from schema.mutations import Mutation
    from schema.queries import Query

    with pytest.raises(TypeError, match="stateless"):
        Schema(query=Query, mutation=Mutation, extensions=[Wrapping])
