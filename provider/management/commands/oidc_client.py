"""`manage.py oidc_client create|list|delete`: OpenID clients for scripts.

Prints JSON on stdout (the contract); a client's secret appears once, in the
output of `create`. Bad arguments print a message on stderr and exit with 2.
"""

from __future__ import annotations

import json

from allauth.idp.oidc.models import Client
from django.core.management.base import BaseCommand, CommandError

from provider import clients


class Command(BaseCommand):
    help = "Create, list and delete the OpenID Connect clients (applications that sign people in here)."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="create|list|delete")
        create = actions.add_parser("create", help="Register a client; prints its client_id and, once, its secret.")
        create.add_argument("--name", required=True)
        create.add_argument(
            "--redirect-uri",
            dest="redirect_uris",
            action="append",
            default=[],
            metavar="URI",
            help="Where the application receives the sign-in's answer (repeat for several).",
        )
        create.add_argument(
            "--post-logout-redirect-uri",
            dest="post_logout_redirect_uris",
            action="append",
            default=[],
            metavar="URI",
            help="Where signing out may send the person back to (repeat for several).",
        )
        create.add_argument(
            "--public",
            action="store_true",
            help="A browser or native app that cannot keep a secret: no secret, PKCE required.",
        )
        create.add_argument(
            "--grant",
            dest="grants",
            action="append",
            choices=[*clients.GRANTS, *clients.GRANT_ALIASES],
            metavar="GRANT",
            help="One of authorization_code, refresh_token, client_credentials, device_code (RFC 8628, --public only);"
            " repeat; default: authorization_code and refresh_token.",
        )
        create.add_argument(
            "--scope",
            dest="scopes",
            action="append",
            metavar="SCOPE",
            help="A scope the client may ask for (repeat; default: openid, profile, email).",
        )
        create.add_argument(
            "--cors-origin",
            dest="cors_origins",
            action="append",
            default=[],
            metavar="ORIGIN",
            help="With --public: a browser app's origin, which may call the token, userinfo and revoke endpoints.",
        )
        create.add_argument(
            "--consent",
            action="store_true",
            help="A third-party application: ask the person to consent before it gets their data.",
        )
        create.add_argument(
            "--resource-server",
            action="store_true",
            help="An API that may introspect the tokens other applications were given.",
        )
        create.add_argument(
            "--audience",
            metavar="URI",
            help="The API this application's access tokens are for when it names none (their aud).",
        )
        create.add_argument(
            "--backchannel-logout-uri",
            metavar="URI",
            help="Where the application is told, by a signed logout token, that a sign-in ended.",
        )
        actions.add_parser("list", help="Every client, as a JSON list (no secrets).")
        delete = actions.add_parser("delete", help="Delete a client and every token issued to it.")
        delete.add_argument("client_id")

    def handle(self, *args, action: str, **options) -> None:
        result = getattr(self, action)(**options)
        self.stdout.write(json.dumps(result, indent=2))

    def create(self, **options) -> dict:
        try:
            client, secret = clients.create(
                name=options["name"],
                redirect_uris=options["redirect_uris"],
                post_logout_redirect_uris=options["post_logout_redirect_uris"],
                cors_origins=options["cors_origins"],
                public=options["public"],
                grants=options["grants"],
                scopes=options["scopes"],
                consent=options["consent"],
                resource_server=options["resource_server"],
                audience=options["audience"],
                backchannel_logout_uri=options["backchannel_logout_uri"],
            )
        except clients.ClientError as error:
            raise CommandError(str(error), returncode=2) from None
        result = clients.describe(client)
        if secret is not None:
            result["client_secret"] = secret
        return result

    def list(self, **options) -> list[dict]:
        return [clients.describe(client) for client in Client.objects.order_by("created_at", "id")]

    def delete(self, client_id: str, **options) -> dict:
        deleted, _ = Client.objects.filter(id=client_id).delete()
        if not deleted:
            raise CommandError(f"No client with client_id {client_id!r}.", returncode=2)
        return {"deleted": client_id}
