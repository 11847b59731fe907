"""The work a flow leaves for later: every mail, every webhook and back-channel
delivery, and the part of a mail flow that depends on whether an address has an
account (docs/security.md, "No account enumeration").

The queue is Django's Tasks framework (the django-tasks backport) on its
database backend (django-tasks-db): enqueueing a job is one INSERT in the
flow's own transaction, so a rolled-back flow leaves nothing and a committed
one cannot lose its mails to a crash, an SMTP outage or a restart. A worker
(users/workers.py: `manage.py worker`, or a thread of `make run`'s server)
runs the rows; on PostgreSQL several workers share them (SELECT ... FOR UPDATE
SKIP LOCKED).

What the engine leaves to its users, and this module adds:
- retries: a job that raises `RetryLater` (or meets an outage of the database
  or cache) runs again after an exponentially growing delay, on the same row,
  for at least JOBS_RETRY_HOURS; then it stays FAILED, visible to staff with
  its last error, who may retry it (users/admin.py);
- recovery: a row left RUNNING by a worker killed mid-job runs again once its
  lease (JOBS_LEASE_SECONDS) is over, so delivery is at least once; a worker
  settles only the row it claimed (`finish`), so one that outran its lease
  cannot undo the run that replaced it;
- the request a job came from (`origin`): the address, browser and language a
  mail or an event names, without the request itself, which is not kept.
A finished row is deleted: its arguments may hold a link key or a password hash.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

from allauth.account.adapter import get_adapter
from allauth.core import context
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django_tasks import task
from django_tasks.base import TaskResultStatus

from users import outages

logger = logging.getLogger(__name__)

RETRY_LATER = "users.jobs.RetryLater"
GAVE_UP = "users.jobs.GaveUp"


class RetryLater(Exception):
    """The job failed in a way that may pass (an outage, a receiver's 5xx): run it
    again later. Its message is what staff see as the last error."""


class Refused(Exception):
    """The other end refused for good (a mail server's 5xx, a receiver's 4xx):
    the job fails at once, for staff to see with this message; not retried."""


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
        except Refused as error:
            logger.warning("Job %s refused: %s", function.__qualname__, error)
            raise
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


# A delivery's whole HTTP exchange may last this many of its timeouts.
EXCHANGE_TIMEOUTS = 3


def within(timeout: float, function: Callable, *args):
    """`function(*args, timeout)`, or RetryLater when it has not returned
    within EXCHANGE_TIMEOUTS times `timeout` of wall-clock time. For a
    delivery's HTTP exchange: the timeout bounds each wait on the receiver,
    and one that trickles its answer a byte at a time would hold the worker
    past its lease (its row run again beside it). Run in a thread of its own,
    left behind when late (a daemon: it ends with its socket); touches no
    database."""
    seconds = EXCHANGE_TIMEOUTS * timeout
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = function(*args, timeout)
        except BaseException as error:  # noqa: BLE001 (raised again in the job's thread)
            outcome["error"] = error

    thread = threading.Thread(target=run, name="jobs-delivery", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise RetryLater(f"the receiver's answer did not end within {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


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
    current request (its adapter and limits read it from there), and its
    language the active one: a mail the job sends speaks the request's."""
    request = HttpRequest()
    request.method = "POST"
    request.META = {"REMOTE_ADDR": origin.get("ip") or "", "HTTP_USER_AGENT": origin.get("user_agent") or ""}
    if origin.get("ip"):
        request._client_ip = origin["ip"]  # as users.adapter worked it out, proxies included
    language = origin.get("language") or settings.LANGUAGE_CODE
    request.LANGUAGE_CODE = language
    with context.request_context(request), translation.override(language):
        yield request


# Retries and recovery: what django-tasks-db leaves to its users.


def retry_delay(attempts: int) -> timedelta:
    """Exponential, with a tenth of jitter so that a burst after an outage spreads."""
    seconds = min(settings.JOBS_RETRY_FIRST_SECONDS * 2 ** max(attempts - 1, 0), settings.JOBS_RETRY_MAX_SECONDS)
    return timedelta(seconds=seconds * (1 + random.random() / 10))  # noqa: S311 (spreading, not secrecy)


def error_fields(error: BaseException | str | None) -> dict:
    """The last error as staff see it (users/admin.py): its class and traceback
    (None: the row's own, kept)."""
    if error is None:
        return {}
    if isinstance(error, str):
        return {"exception_class_path": RETRY_LATER, "traceback": f"{RETRY_LATER}: {error}\n"}
    return {
        "exception_class_path": f"{type(error).__module__}.{type(error).__qualname__}",
        "traceback": "".join(traceback.format_exception(error)),
    }


def again(rows, row, error: BaseException | str | None, *, at_once: bool = False) -> int:
    """Run the row `row` (`rows`, its fence) again after the backoff, or at once;
    past JOBS_RETRY_HOURS, mark it given up, for staff. Returns 1, or 0 when the
    fence holds nothing (another worker has the row)."""
    now = timezone.now()
    fields = error_fields(error)
    if now - row.enqueued_at >= timedelta(hours=settings.JOBS_RETRY_HOURS):
        logger.error("Job %s (%s) given up after %d attempts", row.pk, row.task_path, len(row.worker_ids))
        fields["exception_class_path"] = GAVE_UP
        return rows.update(status=TaskResultStatus.FAILED, finished_at=now, **fields)
    fields["exception_class_path"] = RETRY_LATER
    run_after = now if at_once else now + retry_delay(len(row.worker_ids))  # each claim adds its worker's id
    return rows.update(status=TaskResultStatus.READY, run_after=run_after, finished_at=None, **fields)


def finish(row, error: BaseException | None) -> bool:
    """Settle the row `row` its worker claimed and ran, `error` being what the
    run raised. A finished row goes (its arguments may hold a link key or a
    password hash); a failure that may pass waits for its next attempt, and a
    run its worker was stopped under (a second SIGTERM) runs again at once.
    Fenced by the claim (status and started_at): a worker that ran past its
    lease, the row being recovered and claimed again meanwhile, settles
    nothing, and False says so."""
    from django_tasks_db.models import DBTaskResult

    claim = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at)
    if error is None:
        settled = claim.delete()[0]
    elif isinstance(error, RetryLater):
        settled = again(claim, row, error)
    elif not isinstance(error, Exception):  # SystemExit, KeyboardInterrupt: not the job's failure
        settled = again(claim, row, error, at_once=True)
    else:
        settled = claim.update(status=TaskResultStatus.FAILED, finished_at=timezone.now(), **error_fields(error))
    if not settled:
        logger.warning("Job %s (%s) ran past its lease; its next run settles it", row.pk, row.task_path)
    return bool(settled)


def recover() -> int:
    """Rows whose worker died: RUNNING past their lease (JOBS_LEASE_SECONDS),
    which run again at once, until JOBS_RETRY_HOURS (a job that kills its
    worker each time is then given up like any other); and, from the engine's own `db_worker`, rows
    it left finished or failed to retry. Returns how many run again."""
    from django_tasks_db.models import DBTaskResult

    lease = timezone.now() - timedelta(seconds=settings.JOBS_LEASE_SECONDS)
    count = 0
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=lease):
        claim = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at)
        count += again(claim, row, "its worker stopped while running it", at_once=True)
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.FAILED, exception_class_path=RETRY_LATER):
        count += again(DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.FAILED), row, None)
    DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).delete()
    if count:
        logger.warning("%d jobs whose worker stopped will run again", count)
    return count


def retry_now(rows) -> int:
    """Staff's retry of failed jobs (users/admin.py): each runs again at once,
    its attempts and its retry hours counted afresh from now."""
    now = timezone.now()
    return rows.filter(status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, run_after=now, enqueued_at=now, finished_at=None, worker_ids=[]
    )


def queue_state() -> dict:
    """How many jobs wait (ready, running or between attempts), the age in
    seconds of the oldest, and how many were given up: for operators only
    (users/workers.py logs it; `manage.py queue`), as the figures move with
    what flows queue, and so would tell whether an address has an account."""
    from django.db.models import Count, Min, Q
    from django_tasks_db.models import DBTaskResult

    waiting = Q(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
    found = DBTaskResult.objects.aggregate(
        waiting=Count("pk", filter=waiting),
        oldest=Min("enqueued_at", filter=waiting),
        failed=Count("pk", filter=Q(status=TaskResultStatus.FAILED)),
    )
    oldest = found["oldest"]
    return {
        "waiting": found["waiting"],
        "oldest_seconds": int((timezone.now() - oldest).total_seconds()) if oldest else 0,
        "failed": found["failed"],
    }
