import os
import sys

from django.apps import AppConfig
from django.conf import settings
from django.contrib.admin import apps as admin_apps
from django.core.exceptions import ImproperlyConfigured

# What a project listing `users` needs besides it (docs/applications.md, "Using
# the tokens from another DRF service"): its models build on allauth's addresses.
REQUIRED_APPS = ("allauth", "allauth.account")


class UsersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "users"
    verbose_name = "Users and sessions"

    def import_models(self) -> None:
        # Before the models: without these, the first error would be an import
        # deep inside allauth, or clashing user models, not the setting to add.
        missing = [name for name in REQUIRED_APPS if not self.apps.is_installed(name)]
        if missing:
            raise ImproperlyConfigured(
                f"The users app (gql-auth) needs {', '.join(repr(name) for name in missing)} in INSTALLED_APPS."
            )
        if settings.AUTH_USER_MODEL != "users.User":
            raise ImproperlyConfigured('The users app (gql-auth) needs AUTH_USER_MODEL = "users.User".')
        super().import_models()

    def ready(self) -> None:
        if getattr(settings, "JOBS_IN_PROCESS", False) and serving():
            from users import workers  # the engine's worker imports its models: not before now

            workers.start_in_process_worker()


def serving() -> bool:
    """Whether this process is the one runserver serves from (its reloader's
    child, or the only one with --noreload), not a management command."""
    return (
        len(sys.argv) > 1
        and sys.argv[1] == "runserver"
        and (os.environ.get("RUN_MAIN") == "true" or "--noreload" in sys.argv)
    )


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin on the site of users/admin_site.py."""

    default = False  # named in INSTALLED_APPS; the users app's own is UsersConfig
    default_site = "users.admin_site.AdminSite"
