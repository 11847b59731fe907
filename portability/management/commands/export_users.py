"""manage.py export_users [--with-password-hashes] (portability/exporting.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from portability.exporting import export_rows


class Command(BaseCommand):
    help = "Write every account as newline-delimited JSON in Auth0's bulk-import schema."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--with-password-hashes", action="store_true", help="include each password hash (custom_password_hash)"
        )

    def handle(self, *, with_password_hashes: bool, **options) -> None:
        for row in export_rows(with_password_hashes=with_password_hashes):
            self.stdout.write(row)
