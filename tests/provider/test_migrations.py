"""The provider's migrations that change stored data, run forward on rows written before them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.users.test_migrations import migrate_to


@pytest.mark.django_db(transaction=True)
def test_a_grant_from_before_consents_were_kept_stands_for_one():
    old = migrate_to([("provider", "0002_grantsession")])
    User, Client, Token = (
        old.get_model(*name) for name in [("users", "User"), *[("allauth_idp_oidc", m) for m in ("Client", "Token")]]
    )
    ada = User.objects.create(email="ada@example.com", password="!")
    third = Client.objects.create(id="third", name="Third", skip_consent=False, secret="!")
    first = Client.objects.create(id="first", name="First", skip_consent=True, secret="!")
    soon, gone = timezone.now() + timedelta(days=1), timezone.now() - timedelta(days=1)
    for number, (client, kind, scopes, expires) in enumerate(
        [
            (third, "rt", "openid", soon),
            (third, "at", "openid email", soon),
            (third, "rt", "profile", gone),
            (first, "rt", "openid", soon),
        ]
    ):
        Token.objects.create(user=ada, client=client, type=kind, hash=f"h{number}", scopes=scopes, expires_at=expires)
    try:
        new = migrate_to([("provider", "0003_consent")])
        Consent = new.get_model("provider", "Consent")
        assert list(Consent.objects.values_list("client_id", "scopes")) == [("third", "email openid")]
    finally:
        migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
