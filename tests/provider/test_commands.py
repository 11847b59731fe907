"""`manage.py oidc_client` and `oidc_key`: JSON for scripts, the secret once,
exit code 2 and a clear message for bad arguments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from allauth.idp.oidc.models import Client, Token
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.provider.conftest import Registered, token_request
from tests.servers import ROOT

pytestmark = pytest.mark.django_db


def run(*args: str) -> dict | list:
    out = StringIO()
    call_command("oidc_client", *args, stdout=out)
    return json.loads(out.getvalue())


def test_create_prints_the_client_and_its_secret_once():
    created = run("create", "--name", "Orders", "--redirect-uri", "https://orders.example.org/cb")
    assert created["name"] == "Orders" and created["type"] == "confidential"
    assert created["grant_types"] == ["authorization_code", "refresh_token"]
    assert created["scopes"] == ["openid", "profile", "email"]
    assert len(created["client_secret"]) >= 43
    client = Client.objects.get(id=created["client_id"])
    assert created["client_secret"] not in client.secret and client.check_secret(created["client_secret"])
    assert "client_secret" not in run("list")[0]


def test_registering_a_client_makes_no_password_hash(monkeypatch):
    """Its secret is kept as a SHA-256 digest; allauth's default for the field (an
    Argon2 hash, 100 MiB, of a secret nobody sees) is not made and thrown away."""
    import allauth.idp.oidc.models

    monkeypatch.setattr(allauth.idp.oidc.models, "default_client_secret", lambda: pytest.fail("hashed"))
    field = Client._meta.get_field("secret")
    monkeypatch.setattr(field, "default", allauth.idp.oidc.models.default_client_secret)
    monkeypatch.delitem(field.__dict__, "_get_default", raising=False)  # Django caches the default's callable
    run("create", "--name", "Orders", "--redirect-uri", "https://orders.example.org/cb")


def test_the_printed_secret_works_at_the_token_endpoint():
    created = run("create", "--name", "Reports", "--grant", "client_credentials", "--scope", "reports:read")
    app = Registered(created["client_id"], created["client_secret"])
    response = token_request(app, {"grant_type": "client_credentials", "scope": "reports:read"})
    assert response.status_code == 200, response.content


def test_a_public_client_has_no_secret():
    created = run("create", "--name", "SPA", "--public", "--redirect-uri", "http://localhost:5173/cb")
    assert created["type"] == "public" and "client_secret" not in created


def test_a_resource_server_and_an_audience_are_registered_and_listed():
    api = run("create", "--name", "Orders API", "--grant", "client_credentials", "--resource-server")
    app = run("create", "--name", "Orders", "--grant", "client_credentials", "--audience", "https://orders.example.org")
    assert (api["resource_server"], api["audience"]) == (True, None)
    assert (app["resource_server"], app["audience"]) == (False, "https://orders.example.org")
    listed = {client["name"]: client for client in run("list")}
    assert listed["Orders API"]["resource_server"] and listed["Orders"]["audience"] == "https://orders.example.org"


def test_list_and_delete():
    first = run("create", "--name", "One", "--redirect-uri", "https://one.example.org/cb")
    run("create", "--name", "Two", "--grant", "client_credentials")
    assert [client["name"] for client in run("list")] == ["One", "Two"]
    Token.objects.create(type=Token.Type.REFRESH_TOKEN, hash="x", client_id=first["client_id"])
    assert run("delete", first["client_id"]) == {"deleted": first["client_id"]}
    assert [client["name"] for client in run("list")] == ["Two"]
    assert not Token.objects.exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["create", "--name", "X"], "needs at least one --redirect-uri"),
        (["create", "--name", "X", "--redirect-uri", "http://app.example.org/cb"], "must use https"),
        (["create", "--name", "X", "--redirect-uri", "https://app.example.org/cb#frag"], "without a fragment"),
        (["create", "--name", "X", "--redirect-uri", "javascript:alert(1)//"], "scheme"),
        (["create", "--name", "X", "--public", "--grant", "client_credentials"], "cannot use client_credentials"),
        (["create", "--name", "X", "--grant", "refresh_token"], "refresh_token needs authorization_code"),
        (["create", "--name", "X", "--grant", "client_credentials", "--scope", 'a"b'], "is not a scope token"),
        (["create", "--name", " ", "--grant", "client_credentials"], "needs a name"),
        (["delete", "no-such-client"], "No client with client_id"),
        (
            ["create", "--name", "X", "--public", "--redirect-uri", "https://a.example.org/cb", "--resource-server"],
            "cannot be --public",
        ),
        (["create", "--name", "X", "--grant", "client_credentials", "--audience", "orders"], "absolute URI"),
        (
            ["create", "--name", "X", "--grant", "client_credentials", "--audience", "https://a.example.org/#x"],
            "without a fragment",
        ),
    ],
)
def test_bad_arguments_are_refused_with_a_reason(args, says):
    with pytest.raises(CommandError, match=says) as refused:
        call_command("oidc_client", *args, stdout=StringIO())
    assert refused.value.returncode == 2
    assert not Client.objects.exists() or args[0] == "delete"


def manage(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_command_line_exits_with_2_and_says_why():
    unknown_grant = manage("oidc_client", "create", "--name", "X", "--grant", "password")
    assert unknown_grant.returncode == 2
    assert "invalid choice: 'password'" in unknown_grant.stderr and unknown_grant.stdout == ""
    no_action = manage("oidc_client")
    assert no_action.returncode == 2 and "create|list|delete" in no_action.stderr


def test_oidc_key_prints_a_usable_key():
    from provider.keys import check_pem

    out = StringIO()
    call_command("oidc_key", stdout=out)
    assert check_pem(out.getvalue(), "printed") == out.getvalue()
    out = StringIO()
    call_command("oidc_key", "--json", "--expires-at", "2027-06-01T00:00:00Z", stdout=out)
    entry = json.loads(out.getvalue())
    assert entry["expires_at"] == "2027-06-01T00:00:00+00:00" and "issued_at" in entry
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("oidc_key", "--json", "--not-before", "next tuesday", stdout=StringIO())


def test_a_public_app_on_a_custom_scheme_or_loopback_is_asked_consent_for():
    """Any program on a device can claim a custom scheme or a loopback port
    (RFC 8252 8.6): the person is asked, even for the organisation's own app."""
    native = run("create", "--name", "Desktop", "--public", "--redirect-uri", "com.example.desktop:/callback")
    assert native["consent"] is True
    web = run(
        "create",
        "--name",
        "Web",
        "--public",
        "--redirect-uri",
        "https://web.example.org/cb",
        "--cors-origin",
        "https://web.example.org",
    )
    assert web["consent"] is False and web["cors_origins"] == ["https://web.example.org"]


@pytest.mark.parametrize("origin", ["https://web.example.org/", "web.example.org", "https://web.example.org/app"])
def test_a_cors_origin_is_an_origin(origin):
    with pytest.raises(CommandError, match="must be scheme://host"):
        run("create", "--name", "W", "--public", "--redirect-uri", "https://w.example.org/cb", "--cors-origin", origin)


def test_a_back_channel_logout_uri_is_registered_and_listed():
    made = run(
        "create", "--name", "O", "--redirect-uri", "https://o.example.org/cb",
        "--backchannel-logout-uri", "https://o.example.org/backchannel-logout",
    )  # fmt: skip
    assert made["backchannel_logout_uri"] == "https://o.example.org/backchannel-logout"
    assert run("list")[0]["backchannel_logout_uri"] == "https://o.example.org/backchannel-logout"


@pytest.mark.parametrize(
    "uri", ["http://o.example.org/logout", "com.example.app:/logout", "https://o.example.org/logout#x", "/logout"]
)
def test_a_back_channel_logout_uri_is_https(uri):
    with pytest.raises(CommandError, match="Back-channel logout URI|Redirect URI"):
        run("create", "--name", "O", "--redirect-uri", "https://o.example.org/cb", "--backchannel-logout-uri", uri)
