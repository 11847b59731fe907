from django.apps import AppConfig


class PortabilityConfig(AppConfig):
    """Accounts moving in (Auth0's bulk-import and password-hash export formats,
    hashes kept as they are) and out again (the same format)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "portability"
    verbose_name = "Imported accounts"
