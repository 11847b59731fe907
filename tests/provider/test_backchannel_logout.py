"""OpenID Connect Back-Channel Logout 1.0: an application that registered a
`backchannel_logout_uri` is told, by a signed logout token POSTed to it, that a
sign-in it was given tokens through has ended. The receiver here is a real
HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import jwt
import pytest
from django.test import Client

from tests.documents import CHANGE, STRONG_PASSWORD
from tests.provider.conftest import authorize, code_from, exchange, sign_in, token_request, verify
from tests.provider.test_applications import hosted_session_id

pytestmark = pytest.mark.django_db

EVENT = "http://schemas.openid.net/event/backchannel-logout"


class Receiver:
    """An application's back-channel logout endpoint: keeps what it is sent."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.status = 200
        self.delay = 0.0
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                assert self.headers["Content-Type"] == "application/x-www-form-urlencoded"
                time.sleep(received.delay)
                received.tokens.extend(parse_qs(body)["logout_token"])
                self.send_response(received.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.uri = f"http://127.0.0.1:{self.server.server_port}/backchannel-logout"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def claims(self) -> list[dict]:
        return [
            verify(token, audience=jwt.decode(token, options={"verify_signature": False})["aud"])
            for token in self.tokens
        ]


@pytest.fixture
def receiver():
    received = Receiver()
    yield received
    received.server.shutdown()
    received.server.server_close()


@pytest.fixture
def rp(register, receiver):
    return register(name="Orders", backchannel_logout_uri=receiver.uri)


def signed_in_at(rp, browser) -> dict:
    return exchange(rp, code_from(authorize(browser, rp))).json()


def test_signing_out_tells_the_application_which_sign_in_ended(
    rp, receiver, signed_in_browser, django_capture_on_commit_callbacks
):
    tokens = signed_in_at(rp, signed_in_browser)
    id_token = verify(tokens["id_token"])
    csrf = signed_in_browser.cookies["csrftoken"].value
    with django_capture_on_commit_callbacks(execute=True):
        signed_in_browser.post("/identity/o/logout", {"action": "logout", "csrfmiddlewaretoken": csrf})
    (token,) = receiver.tokens
    assert jwt.get_unverified_header(token)["typ"] == "logout+jwt"  # section 2.4: no ID token passes for one
    (claims,) = receiver.claims()
    assert claims["aud"] == rp.client_id and claims["iss"] == id_token["iss"]
    assert (claims["sub"], claims["sid"]) == (id_token["sub"], id_token["sid"])
    assert claims["events"] == {EVENT: {}} and "nonce" not in claims and claims["jti"]
    assert 0 < claims["exp"] - claims["iat"] <= 300


def test_a_refreshed_id_token_names_the_same_sign_in(rp, signed_in_browser):
    tokens = signed_in_at(rp, signed_in_browser)
    refreshed = token_request(rp, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json()
    assert verify(refreshed["id_token"])["sid"] == verify(tokens["id_token"])["sid"]


def test_two_sign_ins_have_two_sids(rp, signed_in_browser):
    other = Client()
    sign_in(other)
    assert (
        verify(signed_in_at(rp, signed_in_browser)["id_token"])["sid"]
        != verify(signed_in_at(rp, other)["id_token"])["sid"]
    )


def test_revoke_session_and_logout_all_tell_it_once_per_sign_in(rp, receiver, signed_in_browser, gql, login):
    signed_in_at(rp, signed_in_browser)
    signed_in_at(rp, signed_in_browser)  # a second grant through the same sign-in
    token = login()
    assert gql(
        "mutation($id: ID!) { revokeSession(id: $id) { success } }", {"id": hosted_session_id(gql, token)}, token=token
    )
    assert len(receiver.tokens) == 1
    again = Client()
    sign_in(again)
    signed_in_at(rp, again)
    assert gql("mutation { logoutAll { success } }", token=token)["logoutAll"]["success"]
    assert len(receiver.tokens) == 2


def test_a_new_password_tells_every_application_of_the_account(rp, receiver, signed_in_browser, gql, login):
    tokens = signed_in_at(rp, signed_in_browser)
    sid = verify(tokens["id_token"])["sid"]
    result = gql(CHANGE, {"old": STRONG_PASSWORD, "new": "an entirely new passphrase"}, token=login())
    assert result["changePassword"]["success"], result
    assert [claims.get("sid") for claims in receiver.claims()] == [sid]


def test_the_caller_keeping_its_session_still_signs_the_account_out_of_applications(
    rp, receiver, signed_in_browser, django_capture_on_commit_callbacks
):
    """A password changed from the hosted sign-in's own cookie session keeps it;
    the applications' tokens end all the same, so they hear of the account."""
    from users.models import AuthToken, User

    signed_in_at(rp, signed_in_browser)
    ada = User.objects.get()
    ada.set_password("an entirely new passphrase", keep_session=AuthToken.objects.get())
    with django_capture_on_commit_callbacks(execute=True):
        ada.save()
    (claims,) = receiver.claims()
    assert "sid" not in claims and claims["sub"]


def test_applications_without_a_receiver_or_a_grant_hear_nothing(rp, register, receiver, signed_in_browser, gql, login):
    quiet = register(name="Quiet")
    signed_in_at(quiet, signed_in_browser)
    assert gql("mutation { logoutAll { success } }", token=login())["logoutAll"]["success"]
    assert receiver.tokens == []  # rp registered a receiver, but got nothing through this sign-in


def test_a_slow_or_failing_receiver_holds_nothing_up(rp, receiver, signed_in_browser, gql, login, settings, caplog):
    settings.OIDC_BACKCHANNEL_LOGOUT_TIMEOUT_SECONDS = 0.2
    receiver.delay = 1
    signed_in_at(rp, signed_in_browser)
    assert gql("mutation { logoutAll { success } }", token=login())["logoutAll"]["success"]
    assert "not delivered: ReadTimeout" in caplog.text
    receiver.delay, receiver.status = 0, 500
    sign_in(signed_in_browser)
    signed_in_at(rp, signed_in_browser)
    assert gql("mutation { logoutAll { success } }", token=login())["logoutAll"]["success"]
    assert "answered 500" in caplog.text


def test_discovery_says_so(db):
    config = Client().get("/.well-known/openid-configuration").json()
    assert config["backchannel_logout_supported"] is True and config["backchannel_logout_session_supported"] is True
    assert "sid" in config["claims_supported"]


def test_signing_in_again_as_the_same_person_keeps_the_applications_signed_in(
    rp, receiver, signed_in_browser, django_capture_on_commit_callbacks
):
    """prompt=login, max_age or a step-up make a new session in the browser: the
    applications' grants follow the person to it, and keep their sid."""
    tokens = signed_in_at(rp, signed_in_browser)
    sid = verify(tokens["id_token"])["sid"]
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_in(signed_in_browser).status_code == 302  # the same person, again
    assert receiver.tokens == []
    refreshed = token_request(rp, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    csrf = signed_in_browser.cookies["csrftoken"].value
    with django_capture_on_commit_callbacks(execute=True):
        signed_in_browser.post("/identity/o/logout", {"action": "logout", "csrfmiddlewaretoken": csrf})
    assert [claims["sid"] for claims in receiver.claims()] == [sid]


def test_another_person_signing_in_over_the_browser_ends_the_first_ones_grants(
    rp, receiver, signed_in_browser, make_user, django_capture_on_commit_callbacks
):
    tokens = signed_in_at(rp, signed_in_browser)
    make_user("bob@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_in(signed_in_browser, "bob@example.com").status_code == 302
    assert len(receiver.tokens) == 1
    refreshed = token_request(rp, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 400


@pytest.fixture
def queued(settings):
    """The production queue: logouts wait as rows until `run_jobs`."""
    from tests.support import DATABASE_QUEUE

    settings.TASKS = DATABASE_QUEUE


def test_a_queued_logout_goes_where_the_application_receives_now(rp, receiver, signed_in_browser, gql, login, queued):
    from allauth.idp.oidc.models import Client as Application

    from tests.support import run_jobs

    signed_in_at(rp, signed_in_browser)
    assert gql("mutation { logoutAll { success } }", token=login())["logoutAll"]["success"]
    moved = Receiver()
    try:
        application = Application.objects.get(pk=rp.client_id)
        application.data["gql_auth"]["backchannel_logout_uri"] = moved.uri
        application.save()
        run_jobs()
    finally:
        moved.server.shutdown()
        moved.server.server_close()
    assert receiver.tokens == [] and len(moved.tokens) == 1


def test_a_queued_logout_of_a_deleted_application_is_dropped(rp, receiver, signed_in_browser, gql, login, queued):
    from allauth.idp.oidc.models import Client as Application
    from django_tasks_db.models import DBTaskResult

    from tests.support import run_jobs

    signed_in_at(rp, signed_in_browser)
    assert gql("mutation { logoutAll { success } }", token=login())["logoutAll"]["success"]
    Application.objects.filter(pk=rp.client_id).delete()
    run_jobs()
    assert receiver.tokens == [] and not DBTaskResult.objects.exists()


def test_a_refusal_is_not_retried_and_waits_for_staff(rp, receiver, signed_in_browser, gql, login, queued):
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from tests.support import run_jobs
    from users import jobs

    receiver.status = 400  # section 2.8: the application could not process the token
    signed_in_at(rp, signed_in_browser)
    assert gql("mutation { logoutAll { success } }", token=login())["logoutAll"]["success"]
    run_jobs()
    (row,) = DBTaskResult.objects.all()
    assert row.status == TaskResultStatus.FAILED and row.exception_class_path == "users.jobs.Refused"
    assert "refused the logout: 400" in row.traceback and len(receiver.tokens) == 1
    assert jobs.queue_state()["failed"] == 1


def test_a_logout_queued_in_the_earlier_form_with_its_uri_is_still_delivered(rp, receiver, queued):
    from provider.logout import deliver
    from tests.support import run_jobs

    deliver.enqueue(rp.client_id, "http://old.example/logout", "sub-1", "sid-1")  # (client, uri, sub, sid)
    run_jobs()
    (claims,) = receiver.claims()
    assert (claims["sub"], claims["sid"]) == ("sub-1", "sid-1")
