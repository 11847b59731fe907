"""GraphQL abuse: many guesses in one request, huge or deep documents, leaky errors."""

import logging

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import override_settings

from tests.documents import ME, STRONG_PASSWORD
from users.models import AuthToken


def errors_of(response):
    assert response.status_code == 200
    return [error["message"] for error in response.json()["errors"]]


def test_sixty_aliased_login_guesses_evaluate_none(gql, make_user, monkeypatch):
    make_user()
    calls = []
    verify = Argon2PasswordHasher.verify
    monkeypatch.setattr(Argon2PasswordHasher, "verify", lambda s, *a: calls.append(1) or verify(s, *a))
    guesses = " ".join(
        f'g{n}: login(email: "ada@example.com", password: "guess number {n}") {{ success token }}' for n in range(59)
    )
    right = f'right: login(email: "ada@example.com", password: "{STRONG_PASSWORD}") {{ token }}'
    response = gql.post(f"mutation {{ {guesses} {right} }}")
    assert response.json().get("data") is None
    assert any("Only one of login" in message for message in errors_of(response))
    assert calls == [] and not AuthToken.objects.exists()


def test_guesses_hidden_in_fragments_are_counted(gql, make_user):
    make_user()
    document = """
    mutation { ...A ... on Mutation { login(email: "ada@example.com", password: "x") { token } } }
    fragment A on Mutation { a: login(email: "ada@example.com", password: "y") { token } }
    """
    assert any("Only one of login" in m for m in errors_of(gql.post(document)))


def test_one_credential_mutation_with_others_is_fine(gql, make_user, login):
    make_user()
    token = login()
    document = 'mutation { logout { success } login(email: "ada@example.com", password: "%s") { success } }'
    data = gql(document % STRONG_PASSWORD, token=token)
    assert data["logout"]["success"] and data["login"]["success"]


def test_too_many_aliases(gql):
    document = "{ " + " ".join(f"a{n}: me {{ id }}" for n in range(21)) + " }"
    assert any("aliases" in m for m in errors_of(gql.post(document)))


def test_too_many_tokens(gql):
    document = "{ me { " + "id " * 1000 + "} }"
    assert any("token" in m.lower() for m in errors_of(gql.post(document)))


@pytest.mark.usefixtures("db")
def test_depth_is_limited(settings):
    from schema.mutations import Mutation
    from schema.queries import Query
    from schema.schema import Schema, extensions

    settings.GRAPHQL_MAX_DEPTH = 1
    shallow = Schema(query=Query, mutation=Mutation, extensions=extensions())
    document = 'mutation { login(email: "a@b.co", password: "p") { user { id } } }'
    result = shallow.execute_sync(document)
    assert "exceeds maximum operation depth of 1" in result.errors[0].message


def test_batches_are_refused_as_json(gql):
    response = gql.client.post("/graphql/", [{"query": ME}, {"query": ME}], content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Batching is not enabled"


def test_oversized_body_is_refused_before_parsing(gql):
    response = gql.client.post(
        "/graphql/", {"query": "{ me { id } }", "pad": "x" * 70_000}, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


def test_unexpected_errors_are_masked_with_a_request_id(gql, settings, caplog):
    settings.PASSWORD_HASHERS = ["tests.support.ExplodingPasswordHasher"]
    with caplog.at_level(logging.ERROR, logger="gql_auth.graphql"):
        response = gql.post('mutation { login(email: "ada@example.com", password: "whatever it is") { success } }')
    assert response.status_code == 200
    body = response.content.decode()
    assert "SELECT" not in body and "/srv/secret" not in body and "Traceback" not in body
    (error,) = response.json()["errors"]
    request_id = response["X-Request-ID"]
    assert error["message"] == f"Internal server error (request id {request_id})."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    (record,) = caplog.records
    assert request_id in record.getMessage()
    assert "SELECT password" in caplog.text  # the operator sees what the client does not


def test_a_proxy_request_id_is_kept_and_a_bad_one_replaced(gql):
    assert gql.post(ME, HTTP_X_REQUEST_ID="lb-1234abcd")["X-Request-ID"] == "lb-1234abcd"
    assert gql.post(ME, HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"


@pytest.mark.parametrize("path", ["/nope", "/graphql/nope"])
def test_unknown_paths_answer_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not found."}]}


@override_settings(DEBUG=False)
def test_security_headers_on_api_answers(gql):
    response = gql.post(ME)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_database_outage_mid_request_answers_503_json(gql, settings):
    settings.PASSWORD_HASHERS = ["tests.support.DatabaseDownPasswordHasher"]
    response = gql.post('mutation { login(email: "ada@example.com", password: "whatever it is") { success } }')
    assert response.status_code == 503
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "could not connect" not in response.content.decode()
