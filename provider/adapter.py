"""allauth.idp.oidc's one seam for policy: the issuer, the endpoints clients are
told of, the claims, and the secrets of new clients."""

from __future__ import annotations

from urllib.parse import urlsplit

from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from django.conf import settings

from provider import assurance, clients


class OIDCAdapter(DefaultOIDCAdapter):
    scope_display = {
        "openid": "Know who you are (your account's identifier and email address)",
        "email": "See your email address",
        "profile": "See your basic profile (your name)",
    }

    def get_issuer(self) -> str:
        # One configured base, not whatever host a request arrived on: tokens
        # must name one issuer whichever proxy or address served them.
        return settings.OIDC_ISSUER or settings.PUBLIC_URL

    def populate_server_metadata(self, data: dict) -> None:
        """Every endpoint on the issuer's origin, so a client that checks the
        discovery document against the issuer (OIDC Discovery 4.3) finds them
        where it reached the issuer; and only what this service offers."""
        issuer = urlsplit(self.get_issuer())
        for name, value in list(data.items()):
            if name.endswith(("_endpoint", "_uri")) and isinstance(value, str) and value.startswith("http"):
                data[name] = urlsplit(value)._replace(scheme=issuer.scheme, netloc=issuer.netloc).geturl()
        data["grant_types_supported"] = list(clients.GRANTS)
        data["response_types_supported"] = ["code"]
        data["response_modes_supported"] = ["query"]
        data["claims_supported"] = [
            *("sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "email", "email_verified")
        ]
        data["acr_values_supported"] = assurance.SUPPORTED
        # OpenID Connect Prompt Create 1.0's list: `create` once the hosted sign-up exists.
        # OpenID Connect Back-Channel Logout 1.0 (provider/logout.py): every ID token carries sid.
        data["backchannel_logout_supported"] = True
        data["backchannel_logout_session_supported"] = True
        data["prompt_values_supported"] = ["none", "login", "consent", "select_account", "create"]

    def populate_id_token(self, id_token: dict, client, scopes, **kwargs) -> None:
        # When, how and how surely the person signed in (provider/assurance.py;
        # OIDC Core 2: auth_time is required where max_age was asked).
        id_token.update(getattr(self.request, "oidc_sign_in", None) or {})

    def populate_access_token(self, access_token: dict, *, client, scopes, user, **kwargs) -> None:
        # RFC 9068 3: for the resource the request named, else the client's own.
        # RFC 9068 2.2.1: the sign-in's auth_time, acr and amr, for a resource
        # server that asks for a step-up (RFC 9470); none for a client acting as itself.
        access_token.update(getattr(self.request, "oidc_sign_in", None) or {})
        audience = clients.audience_of(client)
        if "aud" not in access_token and audience:
            access_token["aud"] = [audience]

    def is_introspection_allowed(self, token, *, caller_client) -> bool:
        """A client asks about its own tokens; only a resource server about others'."""
        return token.client_id == caller_client.pk or clients.is_resource_server(caller_client)

    def generate_client_secret(self) -> str:
        return clients.new_secret()

    def get_claims(self, purpose, user, client, scopes, email=None, **kwargs) -> dict:
        """allauth's claims, with the address read the one way this service reads
        it (`User.email`, one address per account). The ID token always names
        it, the identity people sign in with here (the contract: `sub`, `email`,
        `email_verified`); userinfo only with the `email` scope."""
        claims = super().get_claims(purpose, user, client, [s for s in scopes if s != "email"], **kwargs)
        if purpose == "id_token" or "email" in scopes:
            claims.update(email=user.email, email_verified=user.email_verified)
        return claims
