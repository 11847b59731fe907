"""allauth.idp.oidc's one seam for policy: the issuer, the endpoints clients are
told of, the claims, and the secrets of new clients."""

from __future__ import annotations

from urllib.parse import urlsplit

from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from django.conf import settings

from provider import clients
from users.models import own_address


class OIDCAdapter(DefaultOIDCAdapter):
    scope_display = {
        "openid": "Know who you are (your account's identifier and email address)",
        "email": "See your email address",
        "profile": "See your basic profile (your name)",
    }

    def get_issuer(self) -> str:
        # The public base, not whatever host a request arrived on: tokens must
        # name one issuer whichever proxy or address served them.
        return settings.PUBLIC_URL

    def populate_server_metadata(self, data: dict) -> None:
        """Every endpoint on the issuer's base, so a client that checks the
        discovery document against the issuer (as OIDC Discovery 4.3 requires)
        finds them where it reached the issuer."""
        for name, value in list(data.items()):
            if name.endswith(("_endpoint", "_uri")) and isinstance(value, str) and value.startswith("http"):
                parts = urlsplit(value)
                data[name] = settings.PUBLIC_URL + parts.path + (f"?{parts.query}" if parts.query else "")
        data["claims_supported"] = ["sub", "iss", "aud", "exp", "iat", "email", "email_verified", "name"]

    def generate_client_secret(self) -> str:
        return clients.new_secret()

    def get_claims(self, purpose, user, client, scopes, email=None, **kwargs) -> dict:
        """allauth's claims, with the address read the one way this service reads
        it (`User.email`, one address per account). The ID token always names
        it, the identity people sign in with here (the contract: `sub`, `email`,
        `email_verified`); userinfo only with the `email` scope."""
        claims = super().get_claims(purpose, user, client, [s for s in scopes if s != "email"], **kwargs)
        if purpose == "id_token" or "email" in scopes:
            address = own_address(user)
            claims.update(email=address.email, email_verified=address.verified)
        return claims
