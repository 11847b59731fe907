"""Cookie sessions for browser apps (the contract's Transport): the token in an
HttpOnly cookie, which authenticates only JSON POSTs from the service's own or a
listed origin."""

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from tests.documents import LOGOUT, LOGOUT_ALL, ME, STRONG_PASSWORD
from users.models import AuthToken

APP = "https://app.example.org"
COOKIE = "gqlauth_session"
LOGIN_COOKIE = """mutation($email: String!, $password: String!) {
  login(email: $email, password: $password, cookie: true) { success token expiresAt errors { code } user { email } }
}"""
SESSIONS = "query { me { email sessions { id current } } }"


@pytest.fixture(autouse=True)
def listed_app(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]


@pytest.fixture
def browser(make_user) -> Client:
    """A browser that logged in to ada's account in cookie mode."""
    make_user()
    client = Client()
    answer = post(client, LOGIN_COOKIE, {"email": "ada@example.com", "password": STRONG_PASSWORD})
    assert answer.json()["data"]["login"]["success"]
    return client


def post(client, query, variables=None, **headers):
    return client.post(
        "/graphql/", {"query": query, "variables": variables or {}}, content_type="application/json", **headers
    )


def me(client, **headers):
    return post(client, ME, **headers).json()["data"]["me"]


def test_the_token_is_in_an_httponly_cookie_and_not_in_the_payload(make_user):
    make_user()
    client = Client()
    answer = post(client, LOGIN_COOKIE, {"email": "ada@example.com", "password": STRONG_PASSWORD})
    login = answer.json()["data"]["login"]
    assert login["success"] and login["token"] is None and login["expiresAt"]
    cookie = answer.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/" and not cookie["secure"]
    assert settings.TOKEN_TTL.total_seconds() - 60 < int(cookie["max-age"]) <= settings.TOKEN_TTL.total_seconds()
    assert AuthToken.objects.get().digest != cookie.value  # a real session: stored as its digest


def test_on_https_the_cookie_is_host_prefixed_and_secure(make_user, settings):
    settings.HTTPS = True
    make_user()
    client = Client()
    answer = post(client, LOGIN_COOKIE, {"email": "ada@example.com", "password": STRONG_PASSWORD}, secure=True)
    cookie = answer.cookies["__Host-gqlauth_session"]
    assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"]
    assert COOKIE not in answer.cookies
    cleared = post(client, LOGOUT, secure=True).cookies["__Host-gqlauth_session"]
    assert cleared.value == "" and cleared["secure"] and cleared["path"] == "/"  # a __Host- cookie is only cleared so


def test_a_failed_login_sets_no_cookie(make_user):
    make_user()
    answer = post(Client(), LOGIN_COOKIE, {"email": "ada@example.com", "password": "not the password at all"})
    assert answer.json()["data"]["login"]["errors"] == [{"code": "INVALID_CREDENTIALS"}]
    assert COOKIE not in answer.cookies


@pytest.mark.parametrize("origin", [None, "http://testserver", "HTTP://TestServer:80", APP, APP + ":443"])
def test_the_cookie_authenticates_json_posts_from_the_service_and_listed_origins(browser, origin):
    """The service's own origin is the one the request was made to (the test client's
    host is `testserver`), as Django's CSRF check reads it."""
    headers = {} if origin is None else {"HTTP_ORIGIN": origin}
    assert me(browser, **headers)["email"] == "ada@example.com"
    with_charset = browser.post(
        "/graphql/", {"query": ME}, content_type="application/json; charset=utf-8", **headers
    ).json()
    assert with_charset["data"]["me"]["email"] == "ada@example.com"
    if origin and origin.startswith(APP):
        answer = post(browser, ME, HTTP_ORIGIN=APP)
        assert answer["Access-Control-Allow-Origin"] == APP and answer["Access-Control-Allow-Credentials"] == "true"


@pytest.mark.parametrize("origin", ["https://evil.example.net", "null", "https://sibling.example.org"])
def test_from_any_other_origin_the_cookie_is_ignored(browser, origin):
    assert me(browser, HTTP_ORIGIN=origin) is None
    assert post(browser, LOGOUT, HTTP_ORIGIN=origin).json()["data"]["logout"]["errors"] == [
        {"code": "NOT_AUTHENTICATED"}
    ]
    assert AuthToken.objects.count() == 1


def test_a_simple_request_carrying_the_cookie_changes_nothing_and_reads_nothing(browser):
    """What another site can make a browser send without a preflight: a form, a
    text/plain fetch, a GET. The cookie rides along; it must not act."""
    for query in ["mutation { logoutAll { success } }", "query { me { email } }"]:
        body = f'{{"query": "{query}"}}'
        answers = [
            browser.post("/graphql/", body, content_type="text/plain"),
            browser.post("/graphql/", {"query": query}),  # a form's encoding
            browser.get("/graphql/", {"query": query}, HTTP_ACCEPT="application/json"),
        ]
        for answer in answers:
            assert b"ada@example.com" not in answer.content and b'"success": true' not in answer.content
    assert AuthToken.objects.count() == 1
    assert me(browser)["email"] == "ada@example.com"  # the session itself is untouched


def test_the_header_wins_over_the_cookie(browser, make_user):
    make_user("grace@example.com")
    _, grace = AuthToken.objects.issue(make_user("alan@example.com"))
    assert me(browser, HTTP_AUTHORIZATION=f"Token {grace}")["email"] == "alan@example.com"
    assert me(browser, HTTP_AUTHORIZATION="Token gqa_revoked") is None  # not a fallback to the cookie


def test_a_cookie_session_is_a_session_like_any_other(browser):
    (session,) = post(browser, SESSIONS).json()["data"]["me"]["sessions"]
    assert session["current"]


@pytest.mark.parametrize("mutation", [LOGOUT, LOGOUT_ALL])
def test_logout_clears_the_cookie_and_revokes_the_token(browser, mutation):
    secret = browser.cookies[COOKIE].value
    answer = post(browser, mutation)
    assert answer.json()["data"][next(iter(answer.json()["data"]))]["success"]
    cleared = answer.cookies[COOKIE]
    assert cleared.value == "" and cleared["max-age"] == 0
    assert not AuthToken.objects.exists()
    again = Client()
    again.cookies[COOKIE] = secret
    assert me(again) is None  # revoked on the server, not only forgotten by the browser


@pytest.mark.parametrize("content_type", ["application/json-seq", "text/plain", "application/x-www-form-urlencoded"])
def test_only_a_json_body_lets_the_cookie_authenticate(browser, content_type):
    body = '{"query": "mutation { logoutAll { success } }"}'
    browser.post("/graphql/", body, content_type=content_type)
    assert AuthToken.objects.count() == 1


@pytest.mark.parametrize(
    "method, content_type, origin, allowed",
    [
        ("POST", "application/json", None, True),
        ("POST", "APPLICATION/JSON; charset=utf-8", "http://testserver", True),
        ("POST", "application/json;", APP + ":443", True),
        ("POST", "application/json", APP + "/", True),
        ("POST", "application/json", "null", False),
        ("POST", "application/json", "", False),
        ("POST", "application/json", "https://app.example.org.evil.example", False),
        ("POST", "application/json", "http://app.example.org", False),
        ("POST", "application/jsonp", None, False),
        ("POST", "multipart/form-data; boundary=x", None, False),
        ("GET", "application/json", None, False),
        ("PUT", "application/json", None, False),
    ],
)
def test_the_cookie_rule(rf, method, content_type, origin, allowed):
    from users.authentication import cookie_may_authenticate

    headers = {"CONTENT_TYPE": content_type, **({} if origin is None else {"HTTP_ORIGIN": origin})}
    assert cookie_may_authenticate(rf.generic(method, "/graphql/", "", **headers)) is allowed


def test_a_cross_site_page_is_told_to_use_the_token(make_user):
    """A SameSite=Lax cookie would be dropped on a cross-site fetch: refused, not a
    login that silently holds no credential."""
    make_user()
    answer = post(
        Client(),
        LOGIN_COOKIE,
        {"email": "ada@example.com", "password": STRONG_PASSWORD},
        HTTP_SEC_FETCH_SITE="cross-site",
        HTTP_ORIGIN=APP,
    )
    assert answer.json()["data"]["login"]["errors"] == [{"code": "INVALID_INPUT"}]
    assert COOKIE not in answer.cookies and not AuthToken.objects.exists()


def test_logging_out_a_header_session_leaves_the_cookies_own(browser, make_user):
    _, other = AuthToken.objects.issue(make_user("grace@example.com"))
    answer = post(browser, LOGOUT, HTTP_AUTHORIZATION=f"Token {other}")
    assert answer.json()["data"]["logout"]["success"]
    assert COOKIE not in answer.cookies  # not cleared: it holds another session
    assert me(browser)["email"] == "ada@example.com"


def test_a_new_cookie_login_ends_the_session_whose_cookie_it_replaces(browser):
    (old,) = AuthToken.objects.all()
    post(browser, LOGIN_COOKIE, {"email": "ada@example.com", "password": STRONG_PASSWORD})
    (new,) = AuthToken.objects.all()
    assert new.pk != old.pk


def test_a_service_without_the_cookie_settings_still_reads_header_tokens(make_user, settings):
    """Other DRF services list this class (docs/applications.md) without gql-auth's settings."""
    from rest_framework.request import Request

    from users.authentication import TokenAuthentication

    del settings.CORS_ALLOWED_ORIGINS
    del settings.HTTPS
    _, secret = AuthToken.objects.issue(make_user())
    request = Request(RequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {secret}"))
    assert TokenAuthentication().authenticate(request)[0].email == "ada@example.com"
    anonymous = RequestFactory().post("/", "{}", content_type="application/json")
    anonymous.COOKIES[COOKIE] = secret
    assert TokenAuthentication().authenticate(Request(anonymous))[0].email == "ada@example.com"
