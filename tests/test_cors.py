"""Browser apps on other origins: only the listed ones, only on /graphql/
(django-cors-headers, configured from CORS_ALLOWED_ORIGINS)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.documents import ME
from tests.test_settings import run
from users.origins import origin_of, parse_origins

APP = "https://app.example.org"
STRANGER = "https://evil.example.net"


@pytest.fixture(autouse=True)
def listed_app(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]


def preflight(client, origin, path="/graphql/"):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type",
    )


def test_a_listed_origin_is_answered_its_preflight_with_the_api_headers(client):
    response = preflight(client, APP)
    assert response.status_code == 204 and "Content-Type" not in response and not response.content
    assert response["Access-Control-Allow-Origin"] == APP
    assert set(response["Access-Control-Allow-Headers"].split(", ")) == {"authorization", "content-type"}
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert int(response["Access-Control-Max-Age"]) >= 600  # the browser need not ask again each time
    assert response["Access-Control-Allow-Credentials"] == "true"


@pytest.mark.django_db
def test_a_listed_origin_may_read_the_answer(client):
    response = client.post("/graphql/", {"query": ME}, content_type="application/json", HTTP_ORIGIN=APP)
    assert response["Access-Control-Allow-Origin"] == APP
    assert response.json() == {"data": {"me": None}}


@pytest.mark.django_db
@pytest.mark.parametrize("origin", [STRANGER, "null", "https://app.example.org.evil.example", "http://app.example.org"])
def test_any_other_origin_gets_no_cors_header(client, origin):
    assert "Access-Control-Allow-Origin" not in preflight(client, origin)
    answer = client.post("/graphql/", {"query": ME}, content_type="application/json", HTTP_ORIGIN=origin)
    assert "Access-Control-Allow-Origin" not in answer
    assert "Access-Control-Allow-Credentials" not in answer


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/admin/login/", "/verify-email/some-key", "/reset-password/some-key", "/healthz", "/static/users/api.js"]
)
def test_the_admin_and_the_pages_never_answer_cross_origin(client, path):
    assert "Access-Control-Allow-Origin" not in preflight(client, APP, path)
    assert "Access-Control-Allow-Origin" not in client.get(path, HTTP_ORIGIN=APP)


def test_origins_are_parsed_exactly():
    assert parse_origins(" https://App.Example.org , http://localhost:5173,", "X") == [
        "https://app.example.org",
        "http://localhost:5173",
    ]
    assert parse_origins("", "X") == []
    for malformed in [
        "app.example.org",
        "https://app.example.org/",
        "https://app.example.org/path",
        "ftp://app.example.org",
        "https://",
        "https://app.example.org:port",
        "*",
    ]:
        with pytest.raises(ImproperlyConfigured, match="is not an origin"):
            parse_origins(malformed, "CORS_ALLOWED_ORIGINS")


def test_a_malformed_origin_stops_start_up_with_a_clear_message():
    result = run({"DEBUG": "1", "CORS_ALLOWED_ORIGINS": "https://app.example.org/"}, "print('started')")
    assert result.returncode != 0 and "started" not in result.stdout
    assert "CORS_ALLOWED_ORIGINS: 'https://app.example.org/' is not an origin" in result.stderr


def test_origins_compare_as_browsers_send_them():
    assert origin_of("HTTPS://App.Example.org:443/some/path") == "https://app.example.org"
    assert origin_of("http://localhost:80") == "http://localhost"
    assert origin_of("http://localhost:5173") == "http://localhost:5173"
    assert parse_origins("https://app.example.org:443", "X") == ["https://app.example.org"]
    with pytest.raises(ImproperlyConfigured, match="xn--"):
        parse_origins("https://bücher.example", "CORS_ALLOWED_ORIGINS")


@pytest.mark.django_db
def test_an_unlisted_origins_preflight_gets_no_html_page_either(client):
    response = preflight(client, "https://evil.example")
    assert response.status_code == 204 and "Content-Type" not in response and not response.content
    assert "Access-Control-Allow-Origin" not in response
