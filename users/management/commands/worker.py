"""`manage.py worker`: runs the queued mails, webhooks and jobs (users/jobs.py).

django-tasks-db's `db_worker` over every queue, and beside it a thread that runs
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

    def handle(self, *args, **options) -> None:
        stop = threading.Event()
        threading.Thread(target=jobs.watch_leases, args=(stop,), name="jobs-leases", daemon=True).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
