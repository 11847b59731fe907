"""Work done after the answer has gone: mails, and everything a mail flow does
that depends on whether the address has an account.

So neither SMTP latency, nor whether a mail went out, nor the reads, writes and
rendering that differ between a known and an unknown address show in a
response's timing (docs/security.md, "No account enumeration").

A job waits for the request's transaction to commit (a rolled-back flow does
nothing) and then for Django's `request_finished`, which the server sends once
the answer is out; it then runs in a small pool of threads, inside a copy of
the request's context (allauth reads the request from a context variable).
Outside a request (a shell) a job starts at commit. Not daemon threads: the
interpreter waits for queued jobs before it exits, so a graceful restart loses
none; a process killed outright loses what it had queued (docs/security.md).
EMAIL_SEND_IN_BACKGROUND=0 runs jobs in the request's thread at commit instead,
before the answer (the tests do, to see the mails at once).
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connection, connections, transaction
from django.dispatch import receiver

from users import outages

logger = logging.getLogger(__name__)

pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="after-answer")
state = threading.local()


def after_answer(job: Callable[[], None]) -> None:
    """Run `job` after the current transaction commits, away from the answer.

    Promised only once the database answers: a connection kept open from before
    an outage notices it only on a query, and without one a registration would
    answer success and be lost. The query is the same whatever the job, so its
    cost tells nothing; its error is the flow's (a 503 in GraphQL).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    transaction.on_commit(partial(start, contextvars.copy_context(), job), robust=True)


def start(context: contextvars.Context, job: Callable[[], None]) -> None:
    if not settings.EMAIL_SEND_IN_BACKGROUND or getattr(state, "in_job", False):
        context.run(run, job)  # told to stay in this thread, or already in a job
    elif getattr(state, "pending", None) is not None:
        state.pending.append((context, job))  # until the answer is out
    else:
        pool.submit(context.run, run, job)


@receiver(request_started)
def hold_jobs(**kwargs) -> None:
    state.pending = []


@receiver(request_finished)
def release_jobs(**kwargs) -> None:
    pending, state.pending = getattr(state, "pending", None), None
    for context, job in pending or ():
        pool.submit(context.run, run, job)


def run(job: Callable[[], None]) -> None:
    outer = getattr(state, "in_job", False)
    state.in_job = True
    name = getattr(job, "__qualname__", type(job).__name__)
    try:
        job()
    except Exception as error:
        # Never raised into a flow that already answered; logged without its arguments,
        # which may hold a key or a password hash.
        if outages.is_outage(error):
            # Once per outage with its traceback, as requests are; then a line per job.
            outages.report(error)
            logger.warning("Background job %s not done: the %s is unreachable", name, outages.kind_of(error))
        else:
            logger.exception("Background job %s failed", name)
    finally:
        state.in_job = outer
        if not outer and threading.current_thread().name.startswith("after-answer"):
            # A pool thread keeps no connection between jobs.
            connections.close_all()
