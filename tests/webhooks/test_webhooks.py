"""Webhooks: account events POSTed to the organisation's receivers, signed per
the Standard Webhooks specification (checked by its reference verifier), queued
with the change that caused them and tried again until the receiver takes them.
The receivers here are real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook

from tests.documents import CHANGE, LOGIN, STRONG_PASSWORD
from tests.support import DATABASE_QUEUE, run_jobs, sign_in_to_admin
from webhooks import receivers
from webhooks.models import Endpoint

NEW_PASSWORD = "a wholly new passphrase"


class Receiver:
    """A receiver of webhooks: answers each POST with the next of `statuses`
    (then 200), keeping the body, the headers and when it came."""

    def __init__(self, statuses=(), hold: threading.Event | None = None) -> None:
        self.statuses = list(statuses)
        self.hold = hold
        self.received: list[tuple[float, dict, str]] = []
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                received.received.append((time.monotonic(), dict(self.headers), body))
                if received.hold is not None:
                    received.hold.wait(10)
                status = received.statuses.pop(0) if received.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"no")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _webhooks(settings):
    settings.WEBHOOKS_ALLOW_HTTP_LOOPBACK = True
    settings.TASKS = DATABASE_QUEUE
    settings.WEBHOOKS_REFRESH_SECONDS = 5.0
    receivers.forget()
    yield
    receivers.forget()


@pytest.fixture
def receiver():
    started = Receiver()
    yield started
    started.close()


def create(*args: str) -> dict:
    out = StringIO()
    call_command("webhook", "create", *args, stdout=out)
    return json.loads(out.getvalue())


def login(gql, email="ada@example.com", password=STRONG_PASSWORD) -> str:
    return gql(LOGIN, {"email": email, "password": password})["login"]["token"]


def test_create_prints_the_id_and_once_the_secret_and_list_never_shows_it(db):
    made = create("--url", "https://hooks.example.org/auth", "--event", "PASSWORD_CHANGED", "--event", "LOGIN")
    assert made["secret"].startswith("whsec_") and made["events"] == ["LOGIN", "PASSWORD_CHANGED"]
    endpoint = Endpoint.objects.get()
    assert str(endpoint.pk) == made["id"] and endpoint.secret == made["secret"]
    assert made["secret"] not in endpoint.secret_encrypted  # encrypted at rest
    out = StringIO()
    call_command("webhook", "list", stdout=out)
    (listed,) = json.loads(out.getvalue())
    assert listed["id"] == made["id"] and "secret" not in listed
    call_command("webhook", "delete", made["id"], stdout=StringIO())
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    "args, says",
    [
        (["--url", "http://hooks.example.org/auth"], "must be https"),
        (["--url", "ftp://hooks.example.org/auth"], "https URL"),
        (["--url", "https://hooks.example.org/auth", "--event", "NOT_AN_EVENT"], "Unknown event types: NOT_AN_EVENT"),
    ],
)
def test_bad_receivers_are_refused_with_a_reason(db, args, says):
    with pytest.raises(CommandError, match=says) as refused:
        create(*args)
    assert refused.value.returncode == 2 and not Endpoint.objects.exists()


def test_http_on_loopback_only_in_development(db, settings):
    settings.WEBHOOKS_ALLOW_HTTP_LOOPBACK = False
    with pytest.raises(CommandError, match="must be https"):
        create("--url", "http://127.0.0.1:9/hooks")
    with pytest.raises(CommandError, match="no such webhook|No webhook"):
        call_command("webhook", "delete", "not-an-id", stdout=StringIO())


def test_an_event_is_delivered_signed_to_each_receiver_that_wants_it(gql, make_user, receiver):
    everything = create("--url", receiver.url)
    create("--url", receiver.url.replace("/hooks", "/other"), "--event", "ACCOUNT_DELETED")
    user = make_user("ada@example.com")
    token = login(gql)
    gql(CHANGE, {"old": STRONG_PASSWORD, "new": NEW_PASSWORD}, token=token)
    # Queued in the flows' transactions: nothing sent yet, each a row.
    assert receiver.received == []
    assert DBTaskResult.objects.filter(task_path="webhooks.delivery.deliver").count() == 2  # LOGIN, PASSWORD_CHANGED
    run_jobs()
    bodies = []
    for _, headers, body in receiver.received:
        # The specification's own verifier, with the secret `create` printed.
        payload = Webhook(everything["secret"]).verify(body, headers)
        assert headers["webhook-id"].startswith("msg_") and headers["Content-Type"] == "application/json"
        bodies.append(body)
        assert set(payload) == {"type", "timestamp", "data"}
        assert payload["data"]["account_id"] == str(user.pk) and payload["data"]["email"] == "ada@example.com"
    assert [json.loads(body)["type"] for body in bodies] == ["LOGIN", "PASSWORD_CHANGED"]
    for secret in (STRONG_PASSWORD, NEW_PASSWORD, token, everything["secret"], user.password):
        assert all(secret not in body for body in bodies)  # never a secret or a key
    assert DBTaskResult.objects.count() == 0


def test_a_receiver_that_fails_three_times_gets_it_with_growing_waits_and_one_id(gql, make_user, settings, db):
    settings.JOBS_RETRY_FIRST_SECONDS = 0.2
    receiver = Receiver(statuses=[500, 500, 500])
    try:
        made = create("--url", receiver.url, "--event", "PASSWORD_CHANGED")
        make_user("ada@example.com")
        gql(CHANGE, {"old": STRONG_PASSWORD, "new": NEW_PASSWORD}, token=login(gql))
        deadline = time.monotonic() + 20
        while len(receiver.received) < 4 and time.monotonic() < deadline:
            run_jobs()
            time.sleep(0.02)
        (row_left,) = DBTaskResult.objects.all() or [None]
    finally:
        receiver.close()
    assert row_left is None, row_left.traceback
    times = [at for at, _, _ in receiver.received]
    waits = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert len(times) == 4 and waits[0] >= 0.2 and waits[0] < waits[1] < waits[2]
    ids = {headers["webhook-id"] for _, headers, _ in receiver.received}
    assert len(ids) == 1  # a repeat is the same message
    for _, headers, body in receiver.received:
        Webhook(made["secret"]).verify(body, headers)  # each attempt signed afresh


def test_a_refusal_is_kept_as_the_last_error_and_retried(gql, make_user, settings):
    receiver = Receiver(statuses=[503])
    try:
        create("--url", receiver.url, "--event", "PASSWORD_CHANGED")
        make_user("ada@example.com")
        gql(CHANGE, {"old": STRONG_PASSWORD, "new": NEW_PASSWORD}, token=login(gql))
        run_jobs()
    finally:
        receiver.close()
    row = DBTaskResult.objects.get()
    assert row.status == TaskResultStatus.READY and row.run_after > timezone.now()
    assert "receiver answered 503: no" in row.traceback


def run_jobs_then_close() -> None:
    """A worker in a thread of its own, which leaves no connection behind it."""
    try:
        run_jobs()
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_hanging_receiver_holds_up_no_answer(gql, make_user, settings):
    """The delivery waits on the receiver in a worker; the service's answers
    meanwhile come as ever, and the delivery ends at its timeout, to be retried."""
    settings.WEBHOOKS_TIMEOUT_SECONDS = 2
    release = threading.Event()
    receiver = Receiver(hold=release)
    worker = threading.Thread(target=run_jobs_then_close)
    try:
        create("--url", receiver.url, "--event", "LOGIN")
        make_user("ada@example.com")
        login(gql)
        worker.start()
        deadline = time.monotonic() + 10
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.01)
        assert receiver.received, "the delivery did not start"
        # The receiver is holding the delivery; the service answers all the same.
        assert gql("{ me { email } }", token=login(gql))["me"]["email"] == "ada@example.com"
        assert not release.is_set() and worker.is_alive()
        worker.join(10)
        assert not worker.is_alive()
    finally:
        receiver.close()
    first = DBTaskResult.objects.filter(task_path="webhooks.delivery.deliver").order_by("enqueued_at").first()
    assert first.status == TaskResultStatus.READY and "ReadTimeout" in first.traceback


def test_a_deleted_receiver_gets_nothing_more(gql, make_user, receiver):
    made = create("--url", receiver.url, "--event", "LOGIN")
    make_user("ada@example.com")
    login(gql)
    call_command("webhook", "delete", made["id"], stdout=StringIO())
    login(gql)  # after the delete: not queued at all
    run_jobs()
    assert receiver.received == [] and DBTaskResult.objects.count() == 0


def test_a_rolled_back_change_sends_nothing(gql, make_user, receiver):
    """A flow that fails after recording its event leaves neither the event nor its delivery."""
    create("--url", receiver.url)
    make_user("ada@example.com")
    token = login(gql)
    DBTaskResult.objects.all().delete()
    response = gql.post(CHANGE, {"old": "not the password", "new": NEW_PASSWORD}, token=token)
    assert response.json()["data"]["changePassword"]["success"] is False
    assert not DBTaskResult.objects.filter(task_path="webhooks.delivery.deliver").exists()


def test_the_admin_adds_a_receiver_under_the_commands_rules_and_shows_the_secret_once(client, make_user):
    staff = make_user("root@example.com", is_staff=True, is_superuser=True)
    sign_in_to_admin(client, staff)
    refused = client.post("/admin/webhooks/endpoint/add/", {"url": "http://hooks.example.org/x", "is_active": "on"})
    assert refused.status_code == 200 and b"must be https" in refused.content
    added = client.post(
        "/admin/webhooks/endpoint/add/",
        {"url": "https://hooks.example.org/x", "events": ["LOGIN"], "is_active": "on"},
        follow=True,
    )
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["LOGIN"]
    assert endpoint.secret.encode() in added.content
    page = client.get(f"/admin/webhooks/endpoint/{endpoint.pk}/change/")
    assert endpoint.secret.encode() not in page.content


def test_staff_see_failed_jobs_with_their_last_error_and_retry_them(client, make_user, settings):
    from users.mail import deliver

    settings.EMAIL_BACKEND = "tests.support.BrokenSMTPBackend"
    deliver.enqueue(
        {
            "subject": "s",
            "body": "a key: SECRET-KEY-123",
            "from": "a@x",
            "to": ["b@x"],
            "headers": {},
            "subtype": "plain",
            "alternatives": [],
        }
    )
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timezone.timedelta(hours=settings.JOBS_RETRY_HOURS))
    run_jobs()
    row = DBTaskResult.objects.get()
    helpdesk = make_user("help@example.com", is_staff=True)
    sign_in_to_admin(client, helpdesk)
    assert client.get("/admin/django_tasks_database/dbtaskresult/").status_code == 403  # no permission to see the queue
    root = make_user("root@example.com", is_staff=True, is_superuser=True)
    sign_in_to_admin(client, root)
    listing = client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    assert b"SMTPServerDisconnected" in listing.content and b"SECRET-KEY-123" not in listing.content
    detail = client.get(f"/admin/django_tasks_database/dbtaskresult/{row.pk}/change/")
    assert b"SECRET-KEY-123" not in detail.content  # never the arguments
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.post(
        "/admin/django_tasks_database/dbtaskresult/",
        {"action": "retry", "_selected_action": [str(row.pk)]},
        follow=True,
    )
    assert DBTaskResult.objects.get().status == TaskResultStatus.READY
    run_jobs()
    assert DBTaskResult.objects.count() == 0


def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_deadline(gql, make_user, settings):
    """Each byte within the timeout, the whole never: the delivery gives up at its deadline,
    well within the lease, so its row is never run twice beside itself."""
    import socket

    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while not stop.wait(0.1):
            try:
                connection.sendall(b"x")
            except OSError:
                return
        connection.close()

    threading.Thread(target=trickle, daemon=True).start()
    try:
        create("--url", f"http://127.0.0.1:{listener.getsockname()[1]}/hooks", "--event", "LOGIN")
        make_user("ada@example.com")
        login(gql)
        started = time.monotonic()
        run_jobs()
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        listener.close()
    (row,) = DBTaskResult.objects.filter(task_path="webhooks.delivery.deliver")
    assert row.status == TaskResultStatus.READY and "did not end within 0.9 s" in row.traceback
    assert elapsed < 5


def test_events_are_named_after_one_flag_or_each_after_its_own(db):
    """The contract's `[--event TYPE ...]`, read either way."""
    made = create("--url", "https://hooks.example.org/auth", "--event", "LOGIN", "LOGOUT", "--event", "LOGIN_FAILED")
    assert made["events"] == ["LOGIN", "LOGIN_FAILED", "LOGOUT"]
