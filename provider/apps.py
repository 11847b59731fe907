from django.apps import AppConfig


class ProviderConfig(AppConfig):
    """The OpenID Connect provider on allauth.idp.oidc: its settings' seam (the
    adapter), the hosted login page and the pages around it, client
    registration, and what ends the grants it issued."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "provider"
    verbose_name = "Signing in to other applications"

    def ready(self) -> None:
        from provider import access_tokens, keys, sessions  # noqa: F401  (sessions connects revoke_grants)

        keys.cache_loaded_keys()
        access_tokens.install()
