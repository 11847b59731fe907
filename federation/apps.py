from django.apps import AppConfig


class FederationConfig(AppConfig):
    """Signing in through other identity providers: any OpenID Connect issuer,
    registered by its discovery document (docs/design/external-login.md)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "federation"
    verbose_name = "Identity providers"
