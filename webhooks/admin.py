"""Webhook receivers in the admin, under the command's rules (webhooks/endpoints.py):
the secret is made here and shown once, in the message after adding."""

from django import forms
from django.contrib import admin, messages

from users.events import EventType
from webhooks import endpoints
from webhooks.models import Endpoint, new_secret


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(event.value, event.value) for event in EventType],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: every event.",
    )

    class Meta:
        model = Endpoint
        fields = ["url", "events", "is_active"]

    def clean_url(self) -> str:
        try:
            return endpoints.clean_url(self.cleaned_data["url"])
        except endpoints.EndpointError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_events(self) -> list[str]:
        return endpoints.clean_events(self.cleaned_data["events"])


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ("url", "events", "is_active", "created_at", "id")

    def save_model(self, request, obj: Endpoint, form, change: bool) -> None:
        secret = None
        if not change:
            secret = new_secret()
            obj.secret = secret
        super().save_model(request, obj, form, change)
        if secret:
            self.message_user(request, f"Its signing secret, shown only now: {secret}", messages.WARNING)
