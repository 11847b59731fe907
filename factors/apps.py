from django.apps import AppConfig


class FactorsConfig(AppConfig):
    """Second factors and passkeys on allauth.mfa: the login's second step,
    enrolment, step-up reauthentication, and their mails."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "factors"
    verbose_name = "Second factors"
