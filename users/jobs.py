"""The work a flow leaves for later: every mail, every webhook and back-channel
delivery, and the part of a mail flow that depends on whether an address has an
account (docs/security.md, "No account enumeration").

The queue is Django's Tasks framework (the django-tasks backport) on its
database backend (django-tasks-db): enqueueing a job is one INSERT in the
flow's own transaction, so a rolled-back flow leaves nothing and a committed
one cannot lose its mails to a crash, an SMTP outage or a restart. A worker
(`manage.py worker`, or a thread of `make run`'s server) runs the rows; on
PostgreSQL several workers share them (SELECT ... FOR UPDATE SKIP LOCKED).

What the engine leaves to its users, and this module adds:
- retries: a job that raises `RetryLater` (or meets an outage of the database
  or cache) runs again after an exponentially growing delay, on the same row,
  for at least JOBS_RETRY_HOURS; then it stays FAILED, visible to staff with
  its last error, who may retry it (users/admin.py);
- recovery: a row left RUNNING by a worker killed mid-job runs again once its
  lease (JOBS_LEASE_SECONDS) is over, so delivery is at least once;
- the request a job came from (`origin`): the address, browser and language a
  mail or an event names, without the request itself, which is not kept.
A finished row is deleted: its arguments may hold a link key or a password hash.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

from allauth.account.adapter import get_adapter
from allauth.core import context
from django.apps import apps
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks.signals import task_finished

from users import outages

logger = logging.getLogger(__name__)

RETRY_LATER = "users.jobs.RetryLater"
GAVE_UP = "users.jobs.GaveUp"


class RetryLater(Exception):
    """The job failed in a way that may pass (an outage, a receiver's 5xx): run it
    again later. Its message is what staff see as the last error."""


class GaveUp(Exception):
    """Marks a job that kept failing for JOBS_RETRY_HOURS."""


def job(function: Callable | None = None, *, atomic: bool = True):
    """A durable job: `function` with JSON arguments, queued by `.enqueue(...)`.
    An outage it meets, or a RetryLater it raises, runs it again later. An
    `atomic` job's writes and the jobs it queues commit together, so a retry
    starts from nothing; a delivery (atomic=False) holds no transaction open
    while it waits on a mail server or a receiver."""
    if function is None:
        return functools.partial(job, atomic=atomic)

    @functools.wraps(function)
    def run(*args, **kwargs):
        try:
            if atomic:
                with transaction.atomic():
                    return function(*args, **kwargs)
            return function(*args, **kwargs)
        except RetryLater:
            raise
        except Exception as error:
            if outages.is_outage(error):
                outages.report(error)
                raise RetryLater(f"the {outages.kind_of(error)} is unreachable") from error
            # A bug: logged with its traceback, never its arguments (a key, a hash).
            logger.exception("Job %s failed", function.__qualname__)
            raise

    return task(run)


# The request a job came from, as the records and mails of the job need it.


def origin(request: HttpRequest | None) -> dict:
    """What a job needs of `request`: the caller's address, browser and language."""
    if request is None:
        return {}
    adapter = get_adapter(request)
    return {
        "ip": adapter.get_client_ip(request),
        "user_agent": adapter.get_http_user_agent(request)[:512],
        "language": getattr(request, "LANGUAGE_CODE", None),
    }


@contextmanager
def replayed(origin: dict):
    """A request standing for the one `origin` was taken from, also as allauth's
    current request (its adapter and limits read it from there)."""
    request = HttpRequest()
    request.method = "POST"
    request.META = {"REMOTE_ADDR": origin.get("ip") or "", "HTTP_USER_AGENT": origin.get("user_agent") or ""}
    if origin.get("ip"):
        request._client_ip = origin["ip"]  # as users.adapter worked it out, proxies included
    if origin.get("language"):
        request.LANGUAGE_CODE = origin["language"]
    with context.request_context(request):
        yield request


# Retries and recovery: what django-tasks-db leaves to its users.


def retry_delay(attempts: int) -> timedelta:
    """Exponential, with a tenth of jitter so that a burst after an outage spreads."""
    seconds = min(settings.JOBS_RETRY_FIRST_SECONDS * 2 ** max(attempts - 1, 0), settings.JOBS_RETRY_MAX_SECONDS)
    return timedelta(seconds=seconds * (1 + random.random() / 10))  # noqa: S311 (spreading, not secrecy)


def reschedule(row) -> bool:
    """Run the failed row `row` again later, or mark it given up; False when
    another worker settled it first."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    rows = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.FAILED, exception_class_path=RETRY_LATER)
    if now - row.enqueued_at >= timedelta(hours=settings.JOBS_RETRY_HOURS):
        logger.error("Job %s (%s) given up after %d attempts", row.pk, row.task_path, len(row.worker_ids))
        return bool(rows.update(exception_class_path=GAVE_UP))
    attempts = len(row.worker_ids)  # each claim by a worker adds its id
    return bool(rows.update(status=TaskResultStatus.READY, run_after=now + retry_delay(attempts), finished_at=None))


@receiver(task_finished)
def settle(sender, task_result, **kwargs) -> None:
    """A finished row goes; a row to retry waits for its next attempt."""
    row = getattr(task_result, "db_result", None)
    if row is None:
        return  # another backend (the tests' at-commit one) keeps no rows
    if task_result.status == TaskResultStatus.SUCCESSFUL:
        row.delete()
    elif row.exception_class_path == RETRY_LATER:
        reschedule(row)


def recover() -> int:
    """Rows whose worker died: RUNNING past their lease, or failed to retry
    and never rescheduled. Returns how many run again."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    lease = now - timedelta(seconds=settings.JOBS_LEASE_SECONDS)
    stalled = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=lease)
    count = stalled.update(status=TaskResultStatus.READY, run_after=now)
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.FAILED, exception_class_path=RETRY_LATER):
        count += reschedule(row)
    if count:
        logger.warning("%d jobs whose worker stopped will run again", count)
    return count


def retry_now(rows) -> int:
    """Staff's retry of failed jobs (users/admin.py): each runs again at once,
    its attempts counted afresh from now."""
    return rows.filter(status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, run_after=timezone.now(), enqueued_at=timezone.now(), finished_at=None
    )


def queue_state() -> dict:
    """How many jobs wait (ready, running or between attempts), the age in
    seconds of the oldest, and how many were given up: for /readyz."""
    from django.db.models import Count, Min, Q
    from django_tasks_db.models import DBTaskResult

    found = DBTaskResult.objects.aggregate(
        waiting=Count("pk", filter=Q(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])),
        oldest=Min("enqueued_at", filter=Q(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])),
        failed=Count("pk", filter=Q(status=TaskResultStatus.FAILED)),
    )
    oldest = found["oldest"]
    return {
        "waiting": found["waiting"],
        "oldest_seconds": int((timezone.now() - oldest).total_seconds()) if oldest else 0,
        "failed": found["failed"],
    }


# The worker: its own process in production, a thread of `make run`'s server.

IN_PROCESS_NAME = "jobs-worker"


def watch_leases(stop: threading.Event) -> None:
    """Every JOBS_RECOVER_SECONDS, run again what a dead worker left (`recover`)."""
    while not stop.wait(settings.JOBS_RECOVER_SECONDS):
        try:
            close_old_connections()
            recover()
        except Exception as error:
            if outages.is_outage(error):
                outages.report(error)
            else:
                logger.exception("Recovering stalled jobs failed")
        finally:
            connections.close_all()


def worker(worker_id: str, *, interval: float = 1.0, batch: bool = False):
    """django-tasks-db's worker over every queue (`batch`: until none is ready)."""
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def keep_running(worker) -> None:
    """`worker.run()` until it returns, through outages: the engine's worker
    stops at a database error, where this one waits for the database to return."""
    while True:
        try:
            worker.run()
            return
        except Exception as error:
            if not outages.is_outage(error):
                raise
            outages.report(error)
            connections.close_all()
            time.sleep(1)


def start_in_process_worker() -> None:
    """`make run`'s worker: threads of the serving process (JOBS_IN_PROCESS)."""
    stop = threading.Event()
    threading.Thread(target=watch_leases, args=(stop,), name=f"{IN_PROCESS_NAME}-leases", daemon=True).start()

    def run() -> None:
        while not apps.ready:  # started from AppConfig.ready: no query before every app is
            time.sleep(0.05)
        try:
            keep_running(worker(f"in-process-{random.getrandbits(32):08x}"))  # noqa: S311
        except SystemExit:
            pass

    threading.Thread(target=run, name=IN_PROCESS_NAME, daemon=True).start()
