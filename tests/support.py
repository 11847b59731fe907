"""Test doubles that stand in for the outside world, never for the project's code."""

import re
import smtplib
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.utils import normalize_json

# The suite's queue (tests/conftest.py): jobs run in the test's thread at commit.
AT_COMMIT = {"default": {"BACKEND": "tests.support.AtCommitBackend"}}
# The production queue, its rows in the test database, for the tests of the queue itself.
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with the smallest cost, so the suite checks many passwords quickly."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1


class BrokenSMTPBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class AtCommitBackend(ImmediateBackend):
    """The worker, in the test's thread: a job runs when the transaction that
    queued it commits (nothing for a rolled-back one), as soon as a worker
    would, so a test sees its mails at once. Its arguments go through JSON, as
    the database backend's do."""

    def enqueue(self, task, args, kwargs):
        args, kwargs = normalize_json(args), normalize_json(kwargs)
        transaction.on_commit(lambda: ImmediateBackend.enqueue(self, task, args, kwargs), robust=True)


# A mail as users.mail.queue writes its job's argument.
QUEUED_MAIL = {
    "subject": "s",
    "body": "b",
    "from": "a@x",
    "to": ["b@x"],
    "headers": {},
    "subtype": "plain",
    "alternatives": [],
}


def run_jobs() -> None:
    """The production worker over DATABASE_QUEUE's rows, until none is ready.
    Its loop closes connections a request would have closed; in the test's
    transaction that would be the test's own (PostgreSQL), so it is kept."""
    from unittest import mock

    from users import workers

    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        workers.worker("test-worker", interval=0, batch=True).run()


def totp(secret: str, *, period_shift: int = 0) -> str:
    """The code an authenticator app shows now for `secret` (a period later or
    earlier with `period_shift`)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + period_shift))


# The key runs to the end of the path: a sign-up link may carry `?next=` after it.
LINK = re.compile(r"/(verify-email|reset-password)/([^\s<>\"?]+)")


def key_from(message, kind: str = "verify-email") -> str:
    """The key of the link of `kind` in a sent mail's text body."""
    for found_kind, key in LINK.findall(message.body):
        if found_kind == kind:
            return key
    raise AssertionError(f"no {kind} link in: {message.body}")


class ExplodingPasswordHasher(FastArgon2PasswordHasher):
    """A hasher whose library fails, as an outage or a bug would, with internals in its text."""

    def encode(self, password, salt):
        raise RuntimeError("SELECT password FROM users_user -- /srv/secret/path")

    def verify(self, password, encoded):
        raise RuntimeError("SELECT password FROM users_user -- /srv/secret/path")


class DatabaseDownPasswordHasher(FastArgon2PasswordHasher):
    """Fails as a lost database connection does, mid-flow."""

    def verify(self, password, encoded):
        from django.db import OperationalError

        raise OperationalError("could not connect to server: Connection refused")

    encode = verify


class GatedBackend(BaseEmailBackend):
    """A mail server that answers only when the test opens the gate."""

    import threading

    gate = threading.Event()
    sent: list = []

    def send_messages(self, messages):
        assert self.gate.wait(timeout=10), "the gate was never opened"
        self.sent.extend(messages)
        return len(messages)


def sign_in_to_admin(client, user) -> None:
    """What the admin's login form does once the password checked: Django's
    session, and the service's session it names (users/admin_sessions.py)."""
    from django.test import RequestFactory

    from users import admin_sessions

    client.force_login(user)
    request = RequestFactory().get("/admin/")
    request.session = client.session
    admin_sessions.open_session(request, user)
    request.session.save()
