"""`manage.py worker`: runs the queued mails, webhooks and jobs (users/jobs.py).

django-tasks-db's `db_worker` options over users/workers.py's worker. Run as
many as the load needs: on PostgreSQL they share the rows, each claimed by one
(SELECT ... FOR UPDATE SKIP LOCKED), and run one again only when its worker
outran the lease (JOBS_LEASE_SECONDS): at least once.
"""

from __future__ import annotations

import threading

from django_tasks_db.management.commands import db_worker

from users import workers


class Command(db_worker.Command):
    help = "Deliver queued mails and webhooks and run the other queued jobs, retrying what fails."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)

    def handle(self, *, queue_name, exclude_queues, interval, batch, startup_delay, max_tasks, worker_id, **options):
        # Logging as the service's settings say (the engine's own would log each retry as a failure).
        worker = workers.worker(
            worker_id,
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=options["backend_name"],
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        worker.configure_signals()
        stop = threading.Event()
        threading.Thread(target=workers.watch_leases, args=(stop,), name="jobs-leases", daemon=True).start()
        try:
            workers.keep_running(worker)
        finally:
            stop.set()
