"""What every client can count on from the HTTP exchange itself."""

from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers

from schema.responses import never_cached
from tests.documents import ME


def test_malformed_body_answers_json(gql):
    response = gql.client.post("/graphql/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["message"]


def test_answers_are_never_cached(gql):
    response = gql.post(ME)
    assert "no-store" in response["Cache-Control"]


def test_answers_carry_the_headers_djangos_never_cache_writes(gql):
    response, django = gql.post(ME), HttpResponse()
    add_never_cache_headers(django)
    assert response["Cache-Control"] == django["Cache-Control"]
    expires, expected = parsedate_to_datetime(response["Expires"]), parsedate_to_datetime(django["Expires"])
    assert abs(expires - expected) <= timedelta(seconds=5)


def test_a_caching_header_already_set_is_merged_as_django_merges_it():
    ours, django = HttpResponse(headers={"Cache-Control": "public"}), HttpResponse(headers={"Cache-Control": "public"})
    never_cached(ours)
    add_never_cache_headers(django)
    assert ours["Cache-Control"] == django["Cache-Control"]


def test_a_session_cookie_does_not_authenticate(gql, make_user):
    """The endpoint is exempt from CSRF, so no ambient credential may act there."""
    user = make_user(is_staff=True)
    gql.client.force_login(user)
    assert gql(ME)["me"] is None


def test_graphql_errors_are_json_with_200(gql):
    response = gql.post("query { nope }")
    assert response.status_code == 200
    assert "Cannot query field 'nope'" in response.json()["errors"][0]["message"]


def test_the_endpoint_answers_without_its_trailing_slash_too(gql):
    """APPEND_SLASH answered a POST to /graphql with an HTML 301, which clients
    do not follow with their body."""
    response = gql.client.post("/graphql", {"query": "{ __typename }"}, content_type="application/json")
    assert (response.status_code, response.json()) == (200, {"data": {"__typename": "Query"}})


def test_no_request_has_its_headers_scanned_for_stream_transports(gql, ada, login, monkeypatch):
    """Strawberry's reading of a request walks every header looking for Accept, for
    stream transports (SSE, multipart subscriptions) a view serves; this one serves
    none, and reads GET and JSON requests itself (issue #30: the walk cost 35-45 K
    instructions of a 3 M request)."""
    from django.utils.datastructures import CaseInsensitiveMapping

    token = login()
    walked = []
    original = CaseInsensitiveMapping.__iter__
    monkeypatch.setattr(CaseInsensitiveMapping, "__iter__", lambda self: walked.append(1) or original(self))
    assert gql(ME, token=token)["me"]["email"] == "ada@example.com"
    assert gql.client.get("/graphql/", {"query": ME}, HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    assert walked == []


def nested_variables(levels: int) -> str:
    """A body whose variables nest `levels` lists deep (the body's object is one more)."""
    return '{"query": "{ __typename }", "variables": {"a": ' + "[" * (levels - 2) + "]" * (levels - 2) + "}}"


def test_a_body_nesting_past_the_bound_is_refused_and_one_at_the_bound_is_not(gql):
    deep = gql.client.post("/graphql/", nested_variables(33), content_type="application/json")
    assert deep.status_code == 400
    assert deep.json()["errors"][0]["message"] == "The request body nests deeper than 32 levels."
    at_bound = gql.client.post("/graphql/", nested_variables(32), content_type="application/json")
    assert at_bound.json() == {"data": {"__typename": "Query"}}


def test_brackets_in_strings_do_not_make_a_body_deep(gql):
    body = '{"query": "{ __typename }", "variables": {"a": "' + "[{" * 100 + '"}}'
    assert gql.client.post("/graphql/", body, content_type="application/json").json() == {
        "data": {"__typename": "Query"}
    }


def test_a_body_that_opens_few_objects_is_not_walked_for_its_depth(gql, monkeypatch):
    from schema import views

    walked = []
    monkeypatch.setattr(views, "nesting_exceeds", lambda *args: walked.append(1) or False)
    assert gql(ME) == {"me": None}
    assert walked == []


def test_answers_are_encoded_as_strawberry_encodes_them():
    import json
    from datetime import UTC, datetime

    from django.core.serializers.json import DjangoJSONEncoder

    from schema.schema import schema
    from schema.views import GraphQLView

    answer = {"data": {"me": {"id": "1", "lastLogin": datetime(2026, 12, 7, tzinfo=UTC), "é": [1.5, None]}}}
    expected = json.dumps(answer, cls=DjangoJSONEncoder, separators=(",", ":"))
    assert GraphQLView(schema=schema).encode_json(answer) == expected


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": 1}, "The GraphQL operation's `query` must be a string or null, if provided."),
        ({"query": ME, "variables": []}, "The GraphQL operation's `variables` must be an object or null, if provided."),
        (
            {"query": ME, "extensions": "x"},
            "The GraphQL operation's `extensions` must be an object or null, if provided.",
        ),
    ],
)
def test_a_malformed_operation_is_refused_with_strawberrys_words(gql, body, message):
    response = gql.client.post("/graphql/", body, content_type="application/json")
    assert (response.status_code, response.json()["errors"][0]["message"]) == (400, message)


@pytest.mark.parametrize(
    "body",
    [
        {"query": ME},
        {"query": ME, "variables": {"a": [1, {"b": None}]}, "operationName": "Me", "extensions": {"x": 1}},
        {"query": None, "variables": None, "extensions": None},
        {"documentId": "abc", "operationName": None},
    ],
)
def test_a_request_is_read_as_strawberry_reads_it(rf, body):
    """The view reads JSON bodies itself (without strawberry's content-type parse):
    what it reads is what strawberry's parse_http_body reads."""
    import json

    from cross_web import DjangoHTTPRequestAdapter
    from strawberry.http.sync_base_view import SyncBaseHTTPView

    from schema.schema import schema
    from schema.views import GraphQLView, operation_parts

    request = rf.post("/graphql/", json.dumps(body), content_type="application/json")
    theirs = SyncBaseHTTPView.parse_http_body(GraphQLView(schema=schema), DjangoHTTPRequestAdapter(request))
    query, variables, extensions = operation_parts(body)
    assert (theirs.query, theirs.variables, theirs.extensions) == (query, variables, extensions)
    if "documentId" not in body:  # the view's own reading, which also looks the hash up
        ours = GraphQLView(schema=schema).parse_http_body(DjangoHTTPRequestAdapter(request))
        assert ours == theirs


def test_the_expiry_date_kept_for_a_second_is_the_one_django_writes():
    from django.utils.http import http_date

    from schema.responses import date_of

    for moment in (1_765_000_000.0, 1_765_000_000.999, 1_765_000_001.5):
        assert date_of(int(moment)) == http_date(moment)


def test_the_answer_before_its_status_is_set_has_a_repr():
    """Resolvers see it as info.context.response; logging or an error reporter may repr it."""
    from schema.views import Answer

    assert repr(Answer()) == "<Answer status_code=None>"
