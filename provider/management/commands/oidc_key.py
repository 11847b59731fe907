"""`manage.py oidc_key`: print a new RSA private key (PEM) for OIDC_PRIVATE_KEY, or,
with `--json`, an entry for OIDC_PRIVATE_KEYS_FILE (docs/applications.md,
"Rotating the signing key"). The same as `python -m provider.keys`, which needs no settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from provider import keys


def iso(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not an ISO 8601 date and time.", returncode=2) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


class Command(BaseCommand):
    help = "Print a new signing key for the OpenID provider."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bits", type=int, default=keys.DEFAULT_BITS, choices=(2048, 3072, 4096))
        parser.add_argument("--json", action="store_true", help="An OIDC_PRIVATE_KEYS_FILE entry, issued now.")
        parser.add_argument("--not-before", help="With --json: when it starts signing (ISO 8601).")
        parser.add_argument("--expires-at", help="With --json: when it stops being published (ISO 8601).")

    def handle(self, *args, bits: int, not_before: str | None, expires_at: str | None, **options):
        pem = keys.generate_pem(bits)
        if not options["json"]:
            if not_before or expires_at:
                raise CommandError("--not-before and --expires-at go with --json.", returncode=2)
            self.stdout.write(pem, ending="")
            return
        entry = {"pem": pem, "issued_at": datetime.now(UTC).isoformat()}
        if not_before:
            entry["not_before"] = iso(not_before)
        if expires_at:
            entry["expires_at"] = iso(expires_at)
        self.stdout.write(json.dumps(entry))
