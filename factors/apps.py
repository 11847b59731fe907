from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured

STAGE = "factors.login.SecondFactorStage"


class FactorsConfig(AppConfig):
    """Second factors and passkeys on allauth.mfa: the login's second step,
    enrolment, step-up reauthentication, and their mails."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "factors"
    verbose_name = "Second factors"

    def ready(self) -> None:
        from users.app_settings import app_settings

        # Installed but no login stage, a second factor would be asked by no
        # login: the process refuses to start rather than let passwords alone in.
        if STAGE not in app_settings.LOGIN_STAGES:
            raise ImproperlyConfigured(f"factors is installed: add {STAGE!r} to LOGIN_STAGES.")
