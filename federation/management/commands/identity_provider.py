"""`manage.py identity_provider create|list|delete` (federation/providers.py).

Prints JSON on stdout (the contract); the client secret is never printed.
Bad arguments print a message on stderr and exit with 2.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from federation import providers
from federation.models import IdentityProvider


def shown(provider: IdentityProvider) -> dict:
    return {
        "id": provider.slug,
        "name": provider.name,
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "domains": provider.domains,
        "trust_email": provider.trust_email,
        "created_at": provider.created_at.isoformat(),
    }


class Command(BaseCommand):
    help = "Create, list and delete the OpenID Connect providers people may sign in through."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="create|list|delete")
        create = actions.add_parser("create", help="Register a provider by its issuer's discovery document.")
        create.add_argument("--id", required=True, dest="slug", help="Its id in URLs: lowercase letters, digits, -.")
        create.add_argument("--name", required=True, help="What the login page's button says.")
        create.add_argument("--issuer", required=True, help="Its issuer URL, as its discovery document says it.")
        create.add_argument("--client-id", required=True, help="This service's client id at the provider.")
        create.add_argument("--client-secret", required=True, help="Its secret there (stored encrypted).")
        create.add_argument(
            "--domain",
            dest="domains",
            action="extend",
            nargs="+",
            default=[],
            metavar="DOMAIN",
            help="Address domains whose people sign in there (several after one flag, or the flag repeated).",
        )
        create.add_argument(
            "--trust-email", action="store_true", help="Believe its email_verified: verify and link by address."
        )
        actions.add_parser("list", help="The providers, without their secrets.")
        delete = actions.add_parser("delete", help="Remove a provider.")
        delete.add_argument("id")

    def handle(self, *args, action: str, **options) -> None:
        if action == "create":
            try:
                provider = providers.create(
                    slug=options["slug"],
                    name=options["name"],
                    issuer=options["issuer"],
                    client_id=options["client_id"],
                    client_secret=options["client_secret"],
                    domains=options["domains"],
                    trust_email=options["trust_email"],
                )
            except providers.ProviderError as error:
                raise CommandError(str(error), returncode=2) from None
            self.stdout.write(json.dumps(shown(provider)))
        elif action == "list":
            self.stdout.write(json.dumps([shown(provider) for provider in IdentityProvider.objects.all()]))
        else:
            deleted, _ = IdentityProvider.objects.filter(slug=options["id"]).delete()
            if not deleted:
                raise CommandError(f"No provider has the id {options['id']!r}.", returncode=2)
            self.stdout.write(json.dumps({"deleted": options["id"]}))
