"""Identity providers in the admin, under the command's rules
(federation/providers.py): the secret written, encrypted, never shown; the
issuer read again by discovery when it changes; the routing domains in the
addresses' spelling, one provider each. allauth's own SocialApp admin, which
keeps and shows secrets in the clear, is not offered."""

import allauth.socialaccount.admin  # noqa: F401 (registers allauth's pages first, to be taken away)
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from federation import providers
from federation.models import IdentityProvider

for model in (SocialApp, SocialToken, SocialAccount):
    admin.site.unregister(model)


class IdentityProviderForm(forms.ModelForm):
    client_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted and never shown again; leave empty to keep the current one.",
    )
    domains = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: addresses at these domains are sent to this provider.",
    )
    issuer = forms.URLField(
        max_length=500, assume_scheme="https", help_text="Changing it removes every link made through the old one."
    )

    class Meta:
        model = IdentityProvider
        fields = ["slug", "name", "issuer", "client_id", "client_secret", "domains", "trust_email"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["domains"] = "\n".join(self.instance.domains or [])
        if self.instance.pk:
            self.fields["slug"].disabled = True  # in the callback URL registered at the provider

    def clean_slug(self) -> str:
        return self.wrap(providers.clean_slug, self.cleaned_data["slug"])

    def clean_issuer(self) -> str:
        return self.wrap(providers.clean_issuer, self.cleaned_data["issuer"])

    def clean_domains(self) -> list[str]:
        lines = [line.strip() for line in (self.cleaned_data["domains"] or "").splitlines() if line.strip()]
        instance = self.instance if self.instance.pk else None
        return self.wrap(lambda domains: providers.clean_domains(domains, provider=instance), lines)

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.instance.pk and not cleaned.get("client_secret"):
            self.add_error("client_secret", "A new provider needs its client secret.")
        issuer = cleaned.get("issuer")
        if issuer and (not self.instance.pk or issuer != self.instance.issuer or not self.instance.discovery):
            try:
                self.instance.discovery = providers.discover(issuer)
            except providers.ProviderError as error:
                self.add_error("issuer", str(error))
        return cleaned

    def save(self, commit: bool = True) -> IdentityProvider:
        if self.instance.pk and "issuer" in self.changed_data:
            # `sub` is unique within one issuer only: another issuer's person N must
            # not sign in to the account linked to this one's person N.
            SocialAccount.objects.filter(provider=self.instance.slug).delete()
        provider = super().save(commit=False)
        provider.domains = self.cleaned_data["domains"]
        if self.cleaned_data.get("client_secret"):
            provider.client_secret = self.cleaned_data["client_secret"]
        if commit:
            provider.save()
        return provider

    @staticmethod
    def wrap(check, value):
        try:
            return check(value)
        except providers.ProviderError as error:
            raise ValidationError(str(error)) from None


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin):
    form = IdentityProviderForm
    list_display = ["slug", "name", "issuer", "trust_email", "created_at"]
    search_fields = ["slug", "name", "issuer"]
