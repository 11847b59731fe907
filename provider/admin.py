"""OpenID clients in the admin: allauth's pages, with the secret made and kept
the service's way (provider.clients), and the redirect URIs and this service's
settings (grants, CORS origins, a resource server, an audience, a back-channel
logout URI) under its rules."""

from allauth.idp.oidc.admin import ClientAdmin as AllauthClientAdmin
from allauth.idp.oidc.models import Client
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from provider import clients


class ClientAdmin(AllauthClientAdmin):
    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        def clean_redirect_uris(self) -> str:
            text = self.cleaned_data["redirect_uris"]
            try:
                for uri in filter(None, (line.strip() for line in text.splitlines())):
                    clients.clean_redirect_uri(uri)
            except clients.ClientError as error:
                raise ValidationError(str(error)) from None
            return text

        def clean_cors_origins(self) -> str:
            text = self.cleaned_data["cors_origins"]
            origins = list(filter(None, (line.strip() for line in text.splitlines())))
            try:
                for origin in origins:
                    clients.clean_origin(origin)
                if origins and self.cleaned_data.get("type") != Client.Type.PUBLIC:
                    raise clients.ClientError(clients.CORS_FOR_PUBLIC_CLIENTS)
            except clients.ClientError as error:
                raise ValidationError(str(error)) from None
            return text

        def clean_grant_types(self) -> str:
            text = self.cleaned_data["grant_types"]
            grants = list(filter(None, (line.strip() for line in text.splitlines())))
            try:
                clients.clean_grants(grants, public=self.cleaned_data.get("type") == Client.Type.PUBLIC)
            except clients.ClientError as error:
                raise ValidationError(str(error)) from None
            return text

        def clean_data(self):
            # A resource server or an audience under the command's rules (clients.service_settings).
            data = self.cleaned_data.get("data")
            if not isinstance(data, dict) or clients.OURS not in data:
                return data
            ours = data[clients.OURS]
            try:
                if not isinstance(ours, dict) or set(ours) - set(clients.SETTINGS):
                    raise clients.ClientError(f"{clients.OURS} holds {', '.join(clients.SETTINGS)}, nothing else.")
                public = self.cleaned_data.get("type") == Client.Type.PUBLIC
                return {**data, clients.OURS: clients.service_settings(public=public, **ours)}
            except clients.ClientError as error:
                raise ValidationError(str(error)) from None

        form.clean_redirect_uris = clean_redirect_uris
        form.clean_data = clean_data
        form.clean_cors_origins = clean_cors_origins
        form.clean_grant_types = clean_grant_types
        return form

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            secret = clients.set_secret(obj)
            if obj.type == Client.Type.CONFIDENTIAL:
                self.message_user(
                    request,
                    format_html('The client secret is shown this once: <input readonly size="50" value="{}">', secret),
                    level=messages.WARNING,
                )
        admin.ModelAdmin.save_model(self, request, obj, form, change)


admin.site.unregister(Client)
admin.site.register(Client, ClientAdmin)
