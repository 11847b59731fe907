"""A receiver of account events: where they go, which ones, and the key they
are signed with (encrypted at rest as second factors' secrets are)."""

from __future__ import annotations

import base64
import secrets
import uuid

from django.db import models

from users.mfa_adapter import secrets_cipher

SECRET_PREFIX = "whsec_"  # the Standard Webhooks form: the prefix, then the key in base64


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


class Endpoint(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    url = models.URLField(max_length=2000)
    # SecurityEventType values; empty for every event.
    events = models.JSONField(default=list, blank=True)
    secret_encrypted = models.TextField(editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.url

    @property
    def secret(self) -> str:
        return secrets_cipher().decrypt(self.secret_encrypted.encode()).decode()

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = secrets_cipher().encrypt(value.encode()).decode()

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events
