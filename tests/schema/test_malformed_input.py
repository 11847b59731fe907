"""Malformed input is refused, never a crash: a 400 for a body that is not a sound
JSON document, INVALID_INPUT for an argument that is not text a person could type."""

import logging

import pytest
from django.test import override_settings

from tests.documents import LOGIN

RESEND = "mutation($e: String!) { r: resendVerificationEmail(email: $e) { success errors { field code } } }"
VERIFY = "mutation($k: String!) { r: verifyEmail(key: $k) { success errors { field code } } }"
RESET = 'mutation($k: String!) { r: resetPassword(key: $k, newPassword: "a long new passphrase") { success errors { field code } } }'
REGISTER = (
    'mutation($p: String!) { r: register(email: "ada@example.com", password: $p) { success errors { field code } } }'
)


def raw_post(gql, body: str, **headers):
    return gql.client.post("/graphql/", body, content_type="application/json", **headers)


def assert_refused_as_json(response, status=400):
    assert response.status_code == status, response.content[:300]
    payload = response.json()
    assert payload["errors"] and "Traceback" not in response.content.decode()
    return payload["errors"][0]


@pytest.mark.parametrize(
    "body",
    [
        '{"query": "{ me { id } }", "variables": {"n": ' + "9" * 5000 + "}}",
        '{"query": "{ me { id } }", "variables": ' + "[" * 20000 + "]" * 20000 + "}",
        "[" * 30000 + "]" * 30000,
        '{"query": "{ me { id } }", "variables": {"n": ' + "[" * 300 + "]" * 300 + "}}",
    ],
    ids=["5000-digit number", "deeply nested variables", "deeply nested body", "nested past the bound"],
)
def test_unsound_json_is_refused_with_400(gql, body, caplog):
    with caplog.at_level(logging.ERROR):
        assert_refused_as_json(raw_post(gql, body))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("value", ["ada\ud800@example.com", "ada@exa\udfffmple.com", "ada\x00@example.com"])
def test_email_that_is_not_text_is_invalid_input(gql, value, caplog):
    with caplog.at_level(logging.ERROR):
        result = gql(RESEND, {"e": value})["r"]
    assert result == {"success": False, "errors": [{"field": "email", "code": "INVALID_INPUT"}]}
    assert not caplog.records


@pytest.mark.parametrize(
    "document, value, code",
    [
        (VERIFY, "MQ:1xVhQg:kZtL\ud800", ("key", "INVALID_KEY")),  # a malformed key (the contract)
        (RESET, "1-abc\ud800-def", ("key", "INVALID_KEY")),
        (VERIFY, "MQ:1xVh\x00Qg", ("key", "INVALID_KEY")),
        (REGISTER, "correct horse \ud800 battery", ("password", "INVALID_INPUT")),
    ],
)
def test_keys_and_passwords_that_are_not_text_are_refused(gql, document, value, code, caplog):
    with caplog.at_level(logging.ERROR):
        result = gql(document, {"k": value} if "$k" in document else {"p": value})["r"]
    assert result["success"] is False
    assert {"field": code[0], "code": code[1]} in result["errors"]
    assert not caplog.records


def test_login_with_a_surrogate_in_the_password(gql, make_user, caplog):
    make_user()
    with caplog.at_level(logging.ERROR):
        result = gql(LOGIN, {"email": "ada@example.com", "password": "wrong \ud800 password"})["login"]
    assert result["errors"][0]["code"] == "INVALID_INPUT" and result["token"] is None
    assert not caplog.records


def test_search_that_is_not_text_is_refused(gql, make_user, login, caplog):
    make_user(is_staff=True, is_superuser=True)
    token = login()
    for value in ("a\x00b", "a\ud800b"):
        with caplog.at_level(logging.ERROR):
            response = gql.post("query($s: String) { users(search: $s) { id } }", {"s": value}, token=token)
        assert response.status_code == 200
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "INVALID_INPUT"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # the login is an audit line


@override_settings(DEBUG=True)
def test_an_unexpected_failure_answers_json_even_with_debug_on(gql, monkeypatch):
    """Django's debug page shows settings and the environment (DATABASE_URL with its
    password): the API never answers with it, whatever the setting."""
    from schema import views

    def explode(request):
        raise RuntimeError("postgres://user:hunter2@db/prod")

    monkeypatch.setattr(views, "set_user_from_token", explode)
    gql.client.raise_request_exception = False
    response = gql.post("{ me { id } }")
    error = assert_refused_as_json(response, status=500)
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "hunter2" not in response.content.decode()
