"""`manage.py queue`: the queue's figures for operators, as one JSON object:
jobs waiting (ready, running or between attempts), the age in seconds of the
oldest, and those given up, waiting for staff (users/admin.py)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from users import jobs


class Command(BaseCommand):
    help = "Print how many queued mails and deliveries wait, the oldest's age, and how many failed."

    def handle(self, **options) -> None:
        self.stdout.write(json.dumps(jobs.queue_state()))
