"""Clients in the admin: allauth's pages, with secrets and redirect URIs made
under the same rules as `oidc_client create`."""

from __future__ import annotations

import pytest
from allauth.idp.oidc.models import Client
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.storage import default_storage
from django.core.exceptions import ValidationError

from provider.admin import ClientAdmin

pytestmark = pytest.mark.django_db


def test_a_client_added_in_the_admin_gets_a_secret_shown_once_and_kept_as_a_digest(rf, admin_user):
    model_admin = admin.site._registry[Client]
    assert isinstance(model_admin, ClientAdmin)
    request = rf.post("/admin/")
    request.user, request.session = admin_user, {}
    request._messages = default_storage(request)
    client = Client(name="Orders", redirect_uris="https://orders.example.org/cb")
    model_admin.save_model(request, client, form=None, change=False)
    (message,) = [str(m) for m in get_messages(request)]
    secret = message.split('value="')[1].split('"')[0]
    assert client.secret.startswith("client_secret_sha256$") and secret not in client.secret
    assert Client.objects.get().check_secret(secret)


@pytest.mark.parametrize("uris", ["http://orders.example.org/cb", "https://orders.example.org/cb#x"])
def test_the_admin_refuses_a_redirect_uri_the_command_refuses(rf, admin_user, uris):
    form_class = admin.site._registry[Client].get_form(rf.get("/"))
    form = form_class()
    form.cleaned_data = {"redirect_uris": f"https://fine.example.org/cb\n{uris}"}
    with pytest.raises(ValidationError):
        form.clean_redirect_uris()


@pytest.mark.parametrize(
    ("client_type", "ours", "says"),
    [
        ("public", {"resource_server": True}, "cannot be --public"),
        ("confidential", {"audience": "orders"}, "absolute URI"),
        ("confidential", {"resource_server": "yes"}, "true or false"),
        ("confidential", {"backchannel_logout_uri": "http://rp.example.org/logout"}, "https"),
        ("confidential", {"backchannel_logout_uri": "com.example.app:/logout"}, "https"),
    ],
)
def test_the_admin_refuses_service_settings_the_command_refuses(rf, client_type, ours, says):
    """A resource server or an audience set through the client's `data` passes the rules of `oidc_client create`."""
    form_class = admin.site._registry[Client].get_form(rf.get("/"))
    form = form_class()
    form.cleaned_data = {"type": client_type, "data": {"gql_auth": ours}}
    with pytest.raises(ValidationError, match=says):
        form.clean_data()


def test_the_admin_keeps_service_settings_the_command_takes(rf):
    form_class = admin.site._registry[Client].get_form(rf.get("/"))
    form = form_class()
    form.cleaned_data = {"type": "confidential", "data": {"gql_auth": {"resource_server": True}, "other": 1}}
    assert form.clean_data() == {
        "gql_auth": {"resource_server": True, "audience": None, "backchannel_logout_uri": None},
        "other": 1,
    }


@pytest.mark.parametrize(
    ("kind", "origins", "refused"),
    [
        ("public", "https://spa.example.org", False),
        ("public", "https://spa.example.org/app", True),
        ("confidential", "https://spa.example.org", True),
    ],
)
def test_the_admin_takes_cors_origins_under_the_commands_rules(rf, kind, origins, refused):
    form_class = admin.site._registry[Client].get_form(rf.get("/"))
    form = form_class(
        data={
            "id": "spa",
            "name": "SPA",
            "type": kind,
            "scopes": "openid",
            "default_scopes": "openid",
            "grant_types": "authorization_code",
            "response_types": "code",
            "redirect_uris": "https://spa.example.org/cb",
            "cors_origins": origins,
            "data": "null",
        }
    )
    form.is_valid()
    assert ("cors_origins" in form.errors) is refused, form.errors


@pytest.mark.parametrize(
    ("kind", "grants", "refused"),
    [
        ("public", "urn:ietf:params:oauth:grant-type:device_code", False),
        ("confidential", "urn:ietf:params:oauth:grant-type:device_code", True),
        ("public", "client_credentials", True),
        ("confidential", "refresh_token", True),
        ("confidential", "authorization_code\nrefresh_token", False),
    ],
)
def test_the_admin_gives_grants_under_the_commands_rules(rf, kind, grants, refused):
    form_class = admin.site._registry[Client].get_form(rf.get("/"))
    form = form_class(
        data={
            "id": "c",
            "name": "C",
            "type": kind,
            "scopes": "openid",
            "default_scopes": "openid",
            "grant_types": grants,
            "response_types": "code",
            "redirect_uris": "https://c.example.org/cb",
            "data": "null",
        }
    )
    form.is_valid()
    assert ("grant_types" in form.errors) is refused, form.errors
