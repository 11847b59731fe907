"""Property-based fuzzing of /graphql/ with documents generated from the schema.

Whatever arrives, the answer is JSON with `data` or `errors`, never a 500, and
never carries a stack trace, SQL or a password hash. Examples are bounded and
derandomized, so CI runs the same cases every time.
"""

import json
import re
from html import escape

import pytest
from graphql import NameNode, ObjectFieldNode
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, mutations, nodes

from schema.schema import schema

SDL = schema.as_str()

# WebAuthn answers (the JSON scalar): a string, or an object shaped like a credential.
JSON_LITERALS = st.text(max_size=20).map(nodes.String) | st.builds(
    lambda key, value: nodes.Object([ObjectFieldNode(name=NameNode(value=key), value=nodes.String(value))]),
    st.sampled_from(["id", "type", "response", "clientDataJSON"]),
    st.text(max_size=20),
)
SCALARS = {"JSON": JSON_LITERALS}

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


def unechoed(body: str, sent=()) -> str:
    """The body without what the request sent, as text, HTML or JSON: an answer may
    echo its input (a syntax error names the token), and only what the service
    wrote of its own can leak."""
    for value in sent:
        if isinstance(value, str) and value:
            for spelling in (json.dumps(value)[1:-1], escape(value), value):
                body = body.replace(spelling, "")
    return body


def document_words(document) -> list[str]:
    if not isinstance(document, str):
        return []
    return [document, *re.findall(r"\w+", document)]


def assert_sound(response, sent=()):
    assert response.status_code != 500
    assert response.status_code in (200, 400, 413), response.status_code
    body = response.content.decode()
    payload = json.loads(body)
    assert isinstance(payload, dict) and ("data" in payload or "errors" in payload)
    assert not LEAKS.search(unechoed(body, sent)), body
    # A masked crash is still a crash: every input is answered, not failed on.
    codes = {(error.get("extensions") or {}).get("code") for error in payload.get("errors") or []}
    assert "INTERNAL_SERVER_ERROR" not in codes, body


def post(gql, document, token):
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    return gql.client.post("/graphql/", {"query": document}, content_type="application/json", **headers)


@FUZZ
@given(data=st.data())
def test_valid_documents(gql, tokens, data):
    document = data.draw(from_schema(SDL, mode=Mode.POSITIVE, custom_scalars=SCALARS))
    assert_sound(post(gql, document, data.draw(st.sampled_from(tokens))), document_words(document))


@FUZZ
@given(data=st.data())
def test_invalid_documents(gql, tokens, data):
    document = data.draw(mutations(SDL, mode=Mode.NEGATIVE, custom_scalars=SCALARS))
    assert_sound(post(gql, document, data.draw(st.sampled_from(tokens))), document_words(document))


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
@example(query="Traceback", variables=None, operation=None)  # a syntax error names the token
def test_arbitrary_request_bodies(gql, query, variables, operation):
    body = {"query": query, "variables": variables, "operationName": operation}
    response = gql.client.post("/graphql/", body, content_type="application/json")
    assert_sound(response, [*document_words(query), json.dumps(variables), json.dumps(operation)])


@FUZZ
@given(body=st.binary(max_size=300), header=st.text(max_size=60))
def test_arbitrary_bytes_and_headers(gql, body, header):
    header = header.encode("utf-8", "surrogatepass").decode("latin-1", "replace")
    response = gql.client.post("/graphql/", body, content_type="application/json", HTTP_AUTHORIZATION=header)
    assert_sound(response)


# Text as an attacker sends it: lone surrogates, NUL and other controls, invisible
# and fullwidth characters, very long runs, next to ordinary addresses and keys.
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(categories=["Cs", "Cc", "Cf", "Co", "Zs"]), min_size=1, max_size=8),
    st.builds(lambda a, b: f"{a}\ud800{b}@example.com", st.text(max_size=5), st.text(max_size=5)),
    st.sampled_from(
        [
            "ada@example.com",
            "ａｄａ@example.com",
            '"ada"@example.com',
            "ada@[192.0.2.1]",
            "MQ:1xVhQg:kZtL",
            "1-abc-def",
            "x" * 5000,
            "\x00",
            "\ud800",
            "\udfff\ud800",
        ]
    ),
)
ARGUMENT_DOCUMENTS = [
    ("mutation($a: String!) { r: register(email: $a, password: $a) { success errors { code } } }"),
    ("mutation($a: String!) { r: login(email: $a, password: $a) { success token errors { code } } }"),
    ("mutation($a: String!) { r: verifyEmail(key: $a) { success errors { code } } }"),
    ("mutation($a: String!) { r: resendVerificationEmail(email: $a) { success errors { code } } }"),
    ("mutation($a: String!) { r: requestPasswordReset(email: $a) { success errors { code } } }"),
    ("mutation($a: String!) { r: resetPassword(key: $a, newPassword: $a) { success errors { code } } }"),
    ("mutation($a: String!) { r: changePassword(oldPassword: $a, newPassword: $a) { success errors { code } } }"),
    ("mutation($a: ID!) { r: revokeSession(id: $a) { success errors { code } } }"),
    ("query($a: String) { users(search: $a) { id } }"),
]


@FUZZ
@given(document=st.sampled_from(ARGUMENT_DOCUMENTS), value=HOSTILE_TEXT, data=st.data())
def test_hostile_text_in_every_argument(gql, tokens, document, value, data):
    response = gql.client.post(
        "/graphql/",
        {"query": document, "variables": {"a": value}},
        content_type="application/json",
        **token_header(data.draw(st.sampled_from(tokens))),
    )
    assert_sound(response, [value])


def token_header(token):
    return {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


HOSTILE_BODIES = st.one_of(
    st.integers(1, 30_000).map(nested),
    st.integers(1, 30_000).map(lambda n: '{"query": "{ me { id } }", "variables": {"a": ' + nested(n) + "}}"),
    st.integers(1, 6000).map(lambda n: '{"query": "{ me { id } }", "variables": {"a": ' + "9" * n + "}}"),
    st.integers(1, 6000).map(lambda n: '{"query": "{ me { id } }", "variables": {"a": 1e' + "9" * n + "}}"),
    st.text(max_size=60).map(lambda t: '{"query": ' + json.dumps(t) + "}"),
    st.sampled_from(
        [
            '{"query": "{ me { id } }", "variables": {"a": "\\ud800"}}',
            '{"query": "mutation { verifyEmail(key: \\"\\\\ud800\\") { success } }"}',
            '{"query": "\\u0000"}',
            '{"query": null, "variables": []}',
            '{"query": "{ me { id } }", "operationName": {"a": 1}}',
        ]
    ),
)


@FUZZ
@given(body=HOSTILE_BODIES)
def test_hostile_json_bodies(gql, body):
    assert_sound(gql.client.post("/graphql/", body, content_type="application/json"), document_words(body))


HEADER_TEXT = st.text(max_size=80).map(lambda t: t.encode("utf-8", "surrogatepass").decode("latin-1", "replace"))


@FUZZ
@given(forwarded=HEADER_TEXT, agent=HEADER_TEXT, request_id=HEADER_TEXT, content_type=HEADER_TEXT)
def test_hostile_headers_on_a_rate_limited_flow(gql, settings, forwarded, agent, request_id, content_type):
    """Headers feed the client address (X-Forwarded-For behind a proxy), the session's
    user agent and the request id: whatever they hold, the answer stays sound."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    document = 'mutation { login(email: "ada@example.com", password: "not the password") { success errors { code } } }'
    response = gql.client.post(
        "/graphql/",
        {"query": document},
        content_type="application/json",
        HTTP_X_FORWARDED_FOR=forwarded,
        HTTP_USER_AGENT=agent,
        HTTP_X_REQUEST_ID=request_id,
    )
    assert_sound(response)
    odd = gql.client.post(
        "/graphql/",
        json.dumps({"query": document}),
        content_type=content_type or "text/plain",
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    assert odd.status_code != 500
