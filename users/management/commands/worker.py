"""`manage.py worker`: runs the queued mails, webhooks and jobs (users/jobs.py).

django-tasks-db's `db_worker` over every queue, kept running through database
outages (the engine's stops at the first), and beside it a thread that runs
again what a dead worker left (`jobs.recover`), which the engine does not. Run
as many as the load needs: on PostgreSQL they share the rows without running
one twice (SELECT ... FOR UPDATE SKIP LOCKED).
"""

from __future__ import annotations

import threading

from django_tasks_db.management.commands import db_worker

from users import jobs


class Command(db_worker.Command):
    help = "Deliver queued mails and webhooks and run the other queued jobs, retrying what fails."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)

    def handle(self, *, queue_name, exclude_queues, interval, batch, startup_delay, max_tasks, worker_id, **options):
        # Logging as the service's settings say (the engine's own would log each retry as a failure).
        worker = db_worker.Worker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=options["backend_name"],
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        worker.configure_signals()
        stop = threading.Event()
        threading.Thread(target=jobs.watch_leases, args=(stop,), name="jobs-leases", daemon=True).start()
        try:
            jobs.keep_running(worker)
        finally:
            stop.set()
