"""Property-based fuzzing of /graphql/ with documents generated from the schema.

Whatever arrives, the answer is JSON with `data` or `errors`, never a 500, and
never carries a stack trace, SQL or a password hash. Examples are bounded and
derandomized, so CI runs the same cases every time.
"""

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis_graphql import Mode, from_schema, mutations

from schema.schema import schema

SDL = schema.as_str()

LEAKS = re.compile(
    r"Traceback|File \"|\bSELECT\b|\bINSERT INTO\b|\bUPDATE\b.*\bSET\b|psycopg|sqlite3|"
    r"IntegrityError|OperationalError|argon2\$|pbkdf2_sha256\$|site-packages|/work/",
    re.IGNORECASE,
)

FUZZ = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def tokens(make_user, login):
    make_user()
    return [None, login(), "gqa_" + "x" * 43, "\u00e9\u00e9"]


def assert_sound(response):
    assert response.status_code != 500
    assert response.status_code in (200, 400, 413), response.status_code
    body = response.content.decode()
    payload = json.loads(body)
    assert isinstance(payload, dict) and ("data" in payload or "errors" in payload)
    assert not LEAKS.search(body), body


def post(gql, document, token):
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    return gql.client.post("/graphql/", {"query": document}, content_type="application/json", **headers)


@FUZZ
@given(data=st.data())
def test_valid_documents(gql, tokens, data):
    document = data.draw(from_schema(SDL, mode=Mode.POSITIVE))
    assert_sound(post(gql, document, data.draw(st.sampled_from(tokens))))


@FUZZ
@given(data=st.data())
def test_invalid_documents(gql, tokens, data):
    document = data.draw(mutations(SDL, mode=Mode.NEGATIVE))
    assert_sound(post(gql, document, data.draw(st.sampled_from(tokens))))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


@FUZZ
@given(
    query=st.one_of(st.text(max_size=200), JSON),
    variables=JSON,
    operation=st.one_of(st.none(), st.text(max_size=20), JSON),
)
def test_arbitrary_request_bodies(gql, query, variables, operation):
    body = {"query": query, "variables": variables, "operationName": operation}
    assert_sound(gql.client.post("/graphql/", body, content_type="application/json"))


@FUZZ
@given(body=st.binary(max_size=300), header=st.text(max_size=60))
def test_arbitrary_bytes_and_headers(gql, body, header):
    header = header.encode("utf-8", "surrogatepass").decode("latin-1", "replace")
    response = gql.client.post("/graphql/", body, content_type="application/json",
                               HTTP_AUTHORIZATION=header)
    assert_sound(response)
