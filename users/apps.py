from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class UsersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "users"
    verbose_name = "Users and sessions"

    def ready(self) -> None:
        # Connects its request_started/request_finished receivers before any request.
        from users import background  # noqa: F401


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin on the site of users/admin_site.py."""

    default = False  # named in INSTALLED_APPS; the users app's own is UsersConfig
    default_site = "users.admin_site.AdminSite"
