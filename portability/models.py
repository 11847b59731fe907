"""What an imported account brought from the system it came from."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Profile(models.Model):
    """An account's record from the system it was imported from: its id there
    (an import of the same file finds the account by it), the names and
    metadata the service keeps for the export, and what the import last wrote
    of the account, so that a later import changes a password, an address or a
    block only while it is still the one it wrote (never one changed here since)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="imported_profile"
    )
    source_id = models.CharField("id at the source", max_length=255, unique=True, null=True, blank=True)
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    name = models.CharField(max_length=300, blank=True)
    user_metadata = models.JSONField(default=dict, blank=True)
    app_metadata = models.JSONField(default=dict, blank=True)
    # What the import last wrote of the account ("" or None: nothing).
    imported_password_digest = models.CharField(max_length=64, blank=True)
    imported_email = models.CharField(max_length=254, blank=True)
    imported_blocked = models.BooleanField(null=True)
    # The run that last reached the account: a second row of one file for it is refused.
    import_run = models.CharField(max_length=32, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.source_id or str(self.user_id)
