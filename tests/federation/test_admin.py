"""Identity providers in the admin (federation/admin.py), under the command's
rules: the issuer read by discovery, the secret encrypted and never shown,
routing domains in one spelling and one provider each; allauth's SocialApp
admin, with its secrets in the clear, not offered."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin

from federation.models import IdentityProvider
from tests.federation.stand_in import CLIENT_ID, StandIn
from tests.support import sign_in_to_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def stand_in(settings):
    settings.DEBUG = True  # its issuer is http on loopback
    upstream = StandIn()
    yield upstream
    upstream.close()


def form_data(stand_in: StandIn, **changes) -> dict:
    return {
        "slug": "corp",
        "name": "Corp",
        "issuer": stand_in.url,
        "client_id": CLIENT_ID,
        "client_secret": "the secret",
        "domains": "Corp.Example\nbüro.example",
        **changes,
    }


def test_allauths_social_admins_are_not_offered():
    for model in (SocialApp, SocialToken, SocialAccount):
        assert not admin.site.is_registered(model)


def test_a_provider_added_in_the_admin_is_discovered_and_its_secret_never_shown(client, admin_user, stand_in):
    sign_in_to_admin(client, admin_user)
    response = client.post("/admin/federation/identityprovider/add/", form_data(stand_in))
    assert response.status_code == 302, response.content.decode()[:3000]
    provider = IdentityProvider.objects.get()
    assert provider.client_secret == "the secret" and "the secret" not in provider.secret_encrypted
    assert provider.discovery["token_endpoint"] == f"{stand_in.url}/token"
    assert provider.domains == ["corp.example", "xn--bro-hoa.example"]
    page = client.get(f"/admin/federation/identityprovider/{provider.pk}/change/").content.decode()
    assert "the secret" not in page
    # Saved without a new secret: the old one stays.
    changed = client.post(
        f"/admin/federation/identityprovider/{provider.pk}/change/",
        form_data(stand_in, client_secret="", name="Corp 2"),
    )
    assert changed.status_code == 302
    provider.refresh_from_db()
    assert provider.name == "Corp 2" and provider.client_secret == "the secret"


def test_the_admin_refuses_what_the_command_refuses(client, admin_user, stand_in):
    sign_in_to_admin(client, admin_user)
    client.post("/admin/federation/identityprovider/add/", form_data(stand_in))
    taken = client.post(
        "/admin/federation/identityprovider/add/", form_data(stand_in, slug="other", domains="corp.example")
    )
    assert "Another provider already routes corp.example." in taken.content.decode()
    elsewhere = client.post(
        "/admin/federation/identityprovider/add/",
        form_data(stand_in, slug="x", domains="", issuer="http://evil.example"),
    )
    assert "must be https" in elsewhere.content.decode()
    assert IdentityProvider.objects.count() == 1
