from django.apps import AppConfig


class FederationConfig(AppConfig):
    """Signing in through other identity providers: any OpenID Connect issuer,
    registered by its discovery document (docs/design/external-login.md)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "federation"
    verbose_name = "Identity providers"

    def ready(self) -> None:
        from allauth.account.signals import password_reset
        from django.db.models.signals import post_delete

        from federation.flows import forget_unproven_links
        from federation.models import IdentityProvider

        post_delete.connect(forget_links, sender=IdentityProvider, dispatch_uid="federation.forget_links")
        password_reset.connect(forget_unproven_links, dispatch_uid="federation.forget_unproven_links")


def forget_links(sender, instance, **kwargs) -> None:
    """A provider's links go with it, however it is deleted (the command, the
    admin): allauth's SocialAccount names it by slug, with no foreign key, and a
    link left behind would count as a way to sign in that no longer exists."""
    from allauth.socialaccount.models import SocialAccount

    SocialAccount.objects.filter(provider=instance.slug).delete()
