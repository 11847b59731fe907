"""manage.py identity_provider create|list|delete (federation/): any OpenID
Connect issuer, registered by its discovery document, served here by a real
HTTP server on 127.0.0.1 (the stand-in upstream of tests/federation/stand_in.py)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from federation.models import IdentityProvider
from tests.federation.stand_in import StandIn

pytestmark = pytest.mark.django_db


@pytest.fixture
def issuer(settings):
    settings.DEBUG = True  # http on loopback, as development allows
    started = StandIn()
    yield started
    started.close()


def run(*args: str):
    out = StringIO()
    call_command("identity_provider", *args, stdout=out)
    return json.loads(out.getvalue())


def create(issuer: StandIn, *extra: str, slug: str = "corp"):
    return run(
        "create", "--id", slug, "--name", "Corp directory", "--issuer", issuer.url,
        "--client-id", "gql-auth", "--client-secret", "s3cret-value", *extra,
    )  # fmt: skip


def test_create_reads_the_discovery_document_and_never_shows_the_secret(issuer):
    made = create(issuer, "--domain", "Corp.EXAMPLE", "--domain", "bücher.example", "--trust-email")
    assert made["id"] == "corp" and made["issuer"] == issuer.url and made["trust_email"] is True
    assert made["domains"] == ["corp.example", "xn--bcher-kva.example"]  # the addresses' own spelling
    listed = run("list")
    assert [provider["id"] for provider in listed] == ["corp"]
    assert "s3cret-value" not in json.dumps(made) + json.dumps(listed)
    provider = IdentityProvider.objects.get()
    assert "s3cret-value" not in provider.secret_encrypted and provider.client_secret == "s3cret-value"
    assert provider.discovery["token_endpoint"] == f"{issuer.url}/token"
    assert run("delete", "corp") == {"deleted": "corp"} and not IdentityProvider.objects.exists()


@pytest.mark.parametrize(
    "change, says",
    [
        ({"issuer": "https://someone-else.example"}, "names another issuer"),
        ({"jwks_uri": None}, "lacks jwks_uri"),
        ({"jwks_uri": "http://evil.example/jwks"}, "jwks_uri must be https"),
        ({"token_endpoint": "http://evil.example/token"}, "token_endpoint must be https"),
    ],
)
def test_a_discovery_document_that_does_not_hold_is_refused(issuer, change, says):
    issuer.document.update(change)
    with pytest.raises(CommandError, match=says) as refused:
        create(issuer)
    assert refused.value.returncode == 2 and not IdentityProvider.objects.exists()


def test_bad_providers_are_refused_with_a_reason(issuer, settings):
    with pytest.raises(CommandError, match="lowercase letters"):
        create(issuer, slug="Not A Slug")
    with pytest.raises(CommandError, match="not a domain"):
        create(issuer, "--domain", "has space.example")
    create(issuer, "--domain", "corp.example")
    with pytest.raises(CommandError, match="exists"):
        create(issuer)
    with pytest.raises(CommandError, match="already routes corp.example"):
        create(issuer, "--domain", "CORP.example", slug="other")
    with pytest.raises(CommandError, match="No discovery document"):
        run(
            "create", "--id", "gone", "--name", "Gone", "--issuer", "http://127.0.0.1:1",
            "--client-id", "c", "--client-secret", "s",
        )  # fmt: skip
    settings.DEBUG = False
    with pytest.raises(CommandError, match="must be https"):
        create(issuer, slug="plain")
    with pytest.raises(CommandError, match="No provider"):
        run("delete", "nobody")


def test_domains_are_named_after_one_flag_or_each_after_its_own(issuer):
    """The contract's `[--domain DOMAIN ...]`, read either way."""
    made = create(issuer, "--domain", "a.example", "b.example", "--domain", "c.example")
    assert made["domains"] == ["a.example", "b.example", "c.example"]
