from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The security-event log: what happened to each account, for its owner and
    for auditors, kept AUDIT_RETENTION_DAYS and streamed as JSON lines."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = "Security events"

    def ready(self) -> None:
        from audit import receivers  # noqa: F401  (connects the signal receivers)
