"""One security event: what happened to an account, when, from where, and which
staff member did it where one did. Never a secret: no token, code, key or
password is a field, and the address is read through the user (so a deleted
account's events keep no personal data)."""

from django.conf import settings
from django.db import models

from users.events import EventType

USER_AGENT_MAX_LENGTH = 512


class SecurityEvent(models.Model):
    type = models.CharField(max_length=32, choices=[(t.value, t.value) for t in EventType])
    created_at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="security_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=USER_AGENT_MAX_LENGTH, blank=True)

    class Meta:
        # The contract's permission is `users.view_securityevent`: the model is the
        # accounts' (its table and migrations are users'), its code lives here.
        app_label = "users"
        verbose_name = "security event"
        ordering = ["-created_at", "-id"]
        # Each filter of auditEvents and me.securityEvents reads an index in its
        # order, and `after` enters it where the last page ended (keyset paging).
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="audit_event_newest"),
            models.Index(fields=["user", "-created_at"], name="audit_event_user_newest"),
            models.Index(fields=["type", "-created_at"], name="audit_event_type_newest"),
            models.Index(fields=["user", "type", "-created_at"], name="audit_event_user_type_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.type} of {self.user_id} at {self.created_at:%Y-%m-%d %H:%M:%S}"
