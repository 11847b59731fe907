from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Account events delivered to the organisation's systems, signed per the
    Standard Webhooks specification, through the durable queue (users/jobs.py)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from webhooks import receivers  # noqa: F401  (connects audit's event_recorded)
