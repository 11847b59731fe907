"""`manage.py webhook create|list|delete`: receivers of account events.

Prints JSON on stdout (the contract); a receiver's secret appears once, in the
output of `create`. Bad arguments print a message on stderr and exit with 2.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from webhooks import endpoints
from webhooks.models import Endpoint


def shown(endpoint: Endpoint) -> dict:
    return {
        "id": str(endpoint.pk),
        "url": endpoint.url,
        "events": endpoint.events,
        "active": endpoint.is_active,
        "created_at": endpoint.created_at.isoformat(),
    }


class Command(BaseCommand):
    help = "Create, list and delete the receivers of account events (webhooks)."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="create|list|delete")
        create = actions.add_parser("create", help="Register a receiver; prints its id and, once, its secret.")
        create.add_argument("--url", required=True, help="https URL the deliveries are POSTed to.")
        create.add_argument(
            "--event",
            dest="events",
            action="extend",
            nargs="+",
            default=[],
            metavar="TYPE",
            help="SecurityEventTypes to deliver (several after one flag, or the flag repeated; all when none).",
        )
        actions.add_parser("list", help="The receivers, without their secrets.")
        delete = actions.add_parser("delete", help="Remove a receiver; its waiting deliveries are dropped.")
        delete.add_argument("id")

    def handle(self, *args, action: str, **options) -> None:
        if action == "create":
            try:
                endpoint, secret = endpoints.create(options["url"], options["events"])
            except endpoints.EndpointError as error:
                raise CommandError(str(error), returncode=2) from None
            self.stdout.write(json.dumps({**shown(endpoint), "secret": secret}))
        elif action == "list":
            self.stdout.write(json.dumps([shown(endpoint) for endpoint in Endpoint.objects.all()]))
        else:
            try:
                deleted, _ = Endpoint.objects.filter(pk=options["id"]).delete()
            except Exception:  # not a UUID
                deleted = 0
            if not deleted:
                raise CommandError(f"No webhook {options['id']!r}.", returncode=2)
            self.stdout.write(json.dumps({"deleted": options["id"]}))
