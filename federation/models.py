"""An identity provider people may sign in through: an OpenID Connect issuer,
the client this service is there, and the rules for its accounts."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from users.mfa_adapter import secrets_cipher


class IdentityProvider(models.Model):
    class Protocol(models.TextChoices):
        # One protocol so far; SAML 2.0 or a plain OAuth 2.0 provider (GitHub) would be
        # another, with its own fields beside these and its own exchange (upstream.py's place).
        OIDC = "oidc", "OpenID Connect"

    slug = models.SlugField("id", max_length=40, unique=True)  # in PUBLIC_URL/login/external/<slug>
    name = models.CharField(max_length=100)
    protocol = models.CharField(max_length=20, choices=Protocol.choices, default=Protocol.OIDC, editable=False)
    issuer = models.URLField(max_length=500)
    client_id = models.CharField(max_length=255)
    # The client secret, encrypted at rest as second factors' secrets are; never shown again.
    secret_encrypted = models.TextField(editable=False)
    # Address domains (IDNA ASCII, lowercase) whose people are sent here instead of a password.
    domains = models.JSONField(default=list, blank=True)
    # Whether its `email_verified` is believed: only then does a first sign-in verify the
    # address, or link an existing account by it.
    trust_email = models.BooleanField(default=False)
    # Its discovery document as read when registered (endpoints, JWKS, what it supports).
    discovery = models.JSONField(default=dict, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def client_secret(self) -> str:
        return secrets_cipher().decrypt(self.secret_encrypted.encode()).decode()

    @client_secret.setter
    def client_secret(self, value: str) -> None:
        self.secret_encrypted = secrets_cipher().encrypt(value.encode()).decode()


class ExternalLoginState(models.Model):
    """A sign-in sent to a provider and not back yet: found by the digest of its
    `state`, used once, with the `nonce` and PKCE verifier the answer must match
    and where the browser goes after. The browser that started it holds the
    `state` in a cookie too (RFC 6749 10.12: a callback in another browser is a
    login CSRF)."""

    digest = models.CharField(max_length=64, unique=True, editable=False)
    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64, editable=False)
    code_verifier = models.CharField(max_length=128, editable=False)
    next_url = models.TextField(editable=False)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"sign-in at {self.provider_id} until {self.expires_at}"


class ExternalLoginCode(models.Model):
    """What a provider proved, waiting to be redeemed: by `completeExternalLogin`
    (a `login_code`, one use, 60 s) or, for a pending link, by the sign-in here
    that proves the account it would be linked to. Only the digest is kept."""

    class Purpose(models.TextChoices):
        LOGIN = "login"
        LINK = "link"  # the provider's address is an account's that it may not claim alone

    digest = models.CharField(max_length=64, unique=True, editable=False)
    purpose = models.CharField(max_length=5, choices=Purpose.choices, editable=False)
    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=191, editable=False)  # the provider's `sub`
    email = models.CharField(max_length=254, blank=True, editable=False)  # as the provider gave it
    next_url = models.TextField(blank=True, editable=False)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.purpose} code of {self.user_id} until {self.expires_at}"
