"""The durable queue (users/jobs.py): what a flow queues is a row of its own
transaction, run by a worker, again later when it fails in a way that may pass,
and again when its worker died."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.documents import REGISTER, STRONG_PASSWORD
from tests.support import DATABASE_QUEUE, run_jobs
from tests.support import QUEUED_MAIL as MAIL
from users import jobs
from users.models import User


@pytest.fixture
def queue(settings):
    """The production queue: rows in the database, run by `run_jobs`."""
    settings.TASKS = DATABASE_QUEUE
    return DBTaskResult.objects


def test_register_answers_with_one_row_queued_and_the_worker_sends_the_mail(gql, queue):
    result = gql(REGISTER, {"email": "grace@example.com", "password": STRONG_PASSWORD})
    assert result["register"]["success"]
    # Nothing done yet, nothing lost: the job is a row, the account not yet made.
    assert queue.count() == 1 and mail.outbox == [] and not User.objects.exists()
    run_jobs()
    (sent,) = mail.outbox
    assert sent.to == ["grace@example.com"] and sent.extra_headers["Message-ID"].endswith("@127.0.0.1>")
    assert User.objects.filter(email="grace@example.com").exists()
    assert queue.count() == 0  # a finished row goes: its arguments held a password hash


def test_a_rolled_back_flow_queues_nothing(db, queue):
    from users.mail import deliver

    with pytest.raises(RuntimeError), transaction.atomic():
        deliver.enqueue(MAIL)
        raise RuntimeError("the flow fails after queueing its mail")
    assert queue.count() == 0


# Transactional: in the test's own transaction, the failed INSERT would break it.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "mutation, variables",
    [
        (REGISTER, {"email": "lost@example.com", "password": STRONG_PASSWORD}),
        (
            "mutation R($email: String!) { requestPasswordReset(email: $email) { success } }",
            {"email": "lost@example.com"},
        ),
    ],
)
def test_while_the_database_is_away_nothing_is_promised(gql, settings, monkeypatch, queue, mutation, variables):
    """The row is the promise: a flow whose row cannot be written answers 503
    (the client tries again), never success with the work lost."""
    settings.RATE_LIMITS = {}  # the limits' counts are in the database: they would notice first
    connection.ensure_connection()

    def away(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "cursor", away)
    response = gql.post(mutation, variables)
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


def test_a_mail_server_outage_delays_the_mail_with_growing_waits_and_the_same_message_id(
    gql, queue, settings, make_user
):
    settings.EMAIL_BACKEND = "tests.support.BrokenSMTPBackend"
    settings.JOBS_RETRY_FIRST_SECONDS = 30
    make_user("ada@example.com")
    gql('mutation { requestPasswordReset(email: "ada@example.com") { success } }')
    run_jobs()  # the lookup runs and queues the mail, whose delivery fails
    (row,) = queue.all()
    assert row.status == TaskResultStatus.READY and row.task_path == "users.mail.deliver"
    message_id = row.args_kwargs["args"][0]["headers"]["Message-ID"]
    waits = []
    for _ in range(3):
        waits.append((row.run_after - timezone.now()).total_seconds())
        queue.filter(pk=row.pk).update(run_after=timezone.now())
        run_jobs()
        row = queue.get(pk=row.pk)
        assert "SMTPServerDisconnected" in row.traceback  # the last error, for staff
    waits.append((row.run_after - timezone.now()).total_seconds())
    assert 25 < waits[0] < 35 and all(later > 1.8 * earlier for earlier, later in zip(waits, waits[1:], strict=False))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    queue.filter(pk=row.pk).update(run_after=timezone.now())
    run_jobs()
    (sent,) = mail.outbox
    assert sent.extra_headers["Message-ID"] == message_id and sent.to == ["ada@example.com"]
    assert queue.count() == 0


def test_a_job_failing_past_the_retry_hours_waits_for_staff_with_its_last_error(db, queue, settings):
    settings.EMAIL_BACKEND = "tests.support.BrokenSMTPBackend"
    from users.mail import deliver

    deliver.enqueue(MAIL)
    queue.update(enqueued_at=timezone.now() - timedelta(hours=settings.JOBS_RETRY_HOURS))
    run_jobs()
    (row,) = queue.all()
    assert row.status == TaskResultStatus.FAILED and row.exception_class_path == jobs.GAVE_UP
    assert jobs.queue_state() == {"waiting": 0, "oldest_seconds": 0, "failed": 1}
    assert jobs.retry_now(queue.all()) == 1
    assert queue.get().worker_ids == []  # its attempts counted afresh: the backoff starts short
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_jobs()
    assert len(mail.outbox) == 1 and queue.count() == 0


def test_a_row_left_running_by_a_dead_worker_runs_again_after_its_lease(db, queue, settings):
    from users.mail import deliver

    deliver.enqueue(MAIL)
    row = queue.get()
    row.claim("killed-worker")  # then the worker died
    assert jobs.recover() == 0  # within its lease, it may still be running
    queue.update(started_at=timezone.now() - timedelta(seconds=settings.JOBS_LEASE_SECONDS + 1))
    state = jobs.queue_state()
    assert state["waiting"] == 1
    assert jobs.recover() == 1
    run_jobs()
    assert len(mail.outbox) == 1 and queue.count() == 0


def test_a_job_that_kills_its_worker_each_time_is_given_up_after_the_retry_hours(db, queue, settings):
    """A poison row: recovered after each lease, until JOBS_RETRY_HOURS, then left for staff."""
    from users.mail import deliver

    deliver.enqueue(MAIL)
    queue.get().claim("killed-worker")
    queue.update(
        started_at=timezone.now() - timedelta(seconds=settings.JOBS_LEASE_SECONDS + 1),
        enqueued_at=timezone.now() - timedelta(hours=settings.JOBS_RETRY_HOURS),
    )
    jobs.recover()
    row = queue.get()
    assert row.status == TaskResultStatus.FAILED and row.exception_class_path == jobs.GAVE_UP
    assert "its worker stopped while running it" in row.traceback
    run_jobs()
    assert mail.outbox == []


class ReclaimedMidRunBackend(BaseEmailBackend):
    """Sends, but slowly: meanwhile its worker's lease passed and another worker claimed the row."""

    def send_messages(self, messages):
        DBTaskResult.objects.update(
            status=TaskResultStatus.RUNNING, started_at=timezone.now() + timedelta(seconds=1), worker_ids=["a", "b"]
        )
        mail.outbox.extend(messages)
        return len(messages)


def test_a_worker_that_outran_its_lease_leaves_the_row_to_its_new_run_and_goes_on(db, queue, settings):
    settings.EMAIL_BACKEND = "tests.users.test_jobs.ReclaimedMidRunBackend"
    from users.mail import deliver

    deliver.enqueue(MAIL)
    run_jobs()  # the late finisher neither fails nor settles the other worker's run
    (row,) = queue.all()
    assert row.status == TaskResultStatus.RUNNING and row.worker_ids == ["a", "b"]
    assert jobs.finish(row, None) and queue.count() == 0  # the run that has the row settles it


class StoppedBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise SystemExit(1)  # a second SIGTERM, in the middle of a delivery


def test_a_job_its_worker_was_stopped_under_runs_again_at_once(db, queue, settings):
    """Not the job's failure: it waits for no backoff, and no staff."""
    settings.EMAIL_BACKEND = "tests.users.test_jobs.StoppedBackend"
    from users.mail import deliver

    deliver.enqueue(MAIL)
    with pytest.raises(SystemExit):
        run_jobs()  # the worker stops, as told
    row = queue.get()
    assert row.status == TaskResultStatus.READY and row.run_after <= timezone.now()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_jobs()
    assert len(mail.outbox) == 1 and queue.count() == 0


def test_the_worker_goes_on_after_an_error_of_its_own(monkeypatch, caplog):
    from users import workers

    runs = []

    class Flaky:
        def run(self):
            runs.append(1)
            if len(runs) == 1:
                raise ValueError("a bug in the loop")

    monkeypatch.setattr(workers.time, "sleep", lambda seconds: None)
    workers.keep_running(Flaky())
    assert len(runs) == 2 and "The worker met an error" in caplog.text


def test_a_retry_that_its_worker_did_not_reschedule_is_recovered(db, queue):
    """A worker that died between marking a row failed-to-retry and rescheduling it."""
    from users.mail import deliver

    deliver.enqueue(MAIL)
    queue.update(status=TaskResultStatus.FAILED, exception_class_path=jobs.RETRY_LATER, worker_ids=["gone"])
    assert jobs.recover() == 1
    row = queue.get()
    assert row.status == TaskResultStatus.READY and row.run_after > timezone.now()


def test_a_replayed_request_gives_the_jobs_records_the_callers_address_and_browser(rf):
    request = rf.post("/", HTTP_USER_AGENT="Firefox/128", REMOTE_ADDR="203.0.113.9")
    origin = jobs.origin(request)
    assert origin["ip"] == "203.0.113.9" and origin["user_agent"] == "Firefox/128"
    from allauth.account.adapter import get_adapter
    from allauth.core import context

    with jobs.replayed(origin) as replayed:
        assert context.request is replayed
        assert get_adapter(replayed).get_client_ip(replayed) == "203.0.113.9"
        assert replayed.headers["User-Agent"] == "Firefox/128"


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPRecipientsRefused({"b@x": (550, b"5.1.1 no such mailbox")})


def test_a_mail_the_server_refuses_for_good_fails_at_once_for_staff_without_its_body(db, queue, settings, caplog):
    settings.EMAIL_BACKEND = "tests.users.test_jobs.RefusingBackend"
    from users.mail import deliver

    deliver.enqueue({**MAIL, "body": "a link key", "headers": {"Message-ID": "<m1@x>"}})
    run_jobs()
    (row,) = queue.all()
    assert row.status == TaskResultStatus.FAILED and row.exception_class_path == "users.jobs.Refused"
    assert "<m1@x> refused: [550]" in row.traceback and len(row.worker_ids) == 1
    assert "a link key" not in caplog.text and "a link key" not in row.traceback
