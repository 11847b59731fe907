"""An identity provider people may sign in through: an OpenID Connect issuer,
the client this service is there, and the rules for its accounts."""

from __future__ import annotations

from django.db import models

from users.mfa_adapter import secrets_cipher


class IdentityProvider(models.Model):
    slug = models.SlugField("id", max_length=40, unique=True)  # in PUBLIC_URL/login/external/<slug>
    name = models.CharField(max_length=100)
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
