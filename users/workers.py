"""The worker that runs the queue's rows (users/jobs.py): its own process in
production (`manage.py worker`), threads of the serving process for `make run`.

django-tasks-db's worker, with three changes: a row is settled by
`jobs.finish` (fenced by its claim, retried with backoff, deleted when done)
rather than by the engine's own saves, which would fail, and stop the worker,
on a row recovered and claimed again meanwhile; the worker waits out
database outages and survives its own errors, where the engine's stops; and
beside it a thread runs again what a dead worker left (`jobs.recover`) and
logs the queue's figures for operators.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time

from django.apps import apps
from django.conf import settings
from django.db import close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Worker as EngineWorker

from users import jobs, outages

logger = logging.getLogger(__name__)

IN_PROCESS_NAME = "jobs-worker"
ERROR_PAUSE_SECONDS = 5


class Worker(EngineWorker):
    def run_task(self, row) -> None:
        self.running_task = True
        try:
            task = row.task
            task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        except Exception as error:
            jobs.finish(row, error)
        except BaseException as error:  # told to stop mid-run (a second SIGTERM): the row runs again, the worker stops
            jobs.finish(row, error)
            raise
        else:
            jobs.finish(row, None)
        finally:
            self.running_task = False
            self._run_tasks += 1


def worker(worker_id: str, *, interval: float = 1.0, batch: bool = False, **options) -> Worker:
    """A worker over every queue (`batch`: until none is ready)."""
    defaults = {
        "queue_names": ["*"],
        "backend_name": "default",
        "startup_delay": False,
        "max_tasks": None,
        "excluded_queue_names": [],
    }
    return Worker(interval=interval, batch=batch, worker_id=worker_id, **{**defaults, **options})


def keep_running(worker: Worker) -> None:
    """`worker.run()` until it returns: through an outage it waits for the
    database; an error of its own is logged and it goes on, as a worker that
    stopped would leave every mail waiting."""
    while True:
        try:
            worker.run()
            return
        except Exception as error:
            if outages.is_outage(error):
                outages.report(error)
                pause = 1
            else:
                logger.exception("The worker met an error; it goes on")
                pause = ERROR_PAUSE_SECONDS
            connections.close_all()
            time.sleep(pause)


def watch_leases(stop: threading.Event) -> None:
    """Every JOBS_RECOVER_SECONDS, run again what a dead worker left
    (`jobs.recover`) and log the queue's figures: a metrics line for
    operators, where a public probe would tell what flows queue."""
    while not stop.wait(settings.JOBS_RECOVER_SECONDS):
        try:
            close_old_connections()
            jobs.recover()
            logger.info("queue %s", json.dumps(jobs.queue_state()))
        except Exception as error:
            if outages.is_outage(error):
                outages.report(error)
            else:
                logger.exception("Recovering stalled jobs failed")
        finally:
            connections.close_all()


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
