"""`manage.py purge_security_events`: remove the security events older than
AUDIT_RETENTION_DAYS (run it daily, from cron or a scheduler)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.models import SecurityEvent


class Command(BaseCommand):
    help = "Remove the security events older than AUDIT_RETENTION_DAYS."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, help="Keep this many days instead of AUDIT_RETENTION_DAYS.")

    def handle(self, *args, days: int | None, **options) -> None:
        days = settings.AUDIT_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("Keep at least one day of events.", returncode=2)
        cutoff = timezone.now() - timedelta(days=days)
        deleted, _ = SecurityEvent.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"Removed {deleted} security events older than {days} days.")
