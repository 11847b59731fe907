"""Migrations that change stored data, run forward on rows written before them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_stored_addresses_are_renormalised():
    old = migrate_to([("users", "0001_initial"), ("account", "0009_emailaddress_unique_primary_email")])
    User = old.get_model("users", "User")
    EmailAddress = old.get_model("account", "EmailAddress")

    def make(email):
        user = User.objects.create(email=email, password="!")
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        return user

    ada = make("ada@bücher.example")
    taken = make("bob@xn--bcher-kva.example")
    clash = make("bob@bücher.example")  # would become bob@xn--... , which is taken
    odd = make("gr\u00adace@example.com")
    try:
        new = migrate_to([("users", "0002_email_address_field")])
        User, EmailAddress = new.get_model("users", "User"), new.get_model("account", "EmailAddress")

        def stored(user):
            return User.objects.get(pk=user.pk).email, EmailAddress.objects.get(user_id=user.pk).email

        assert stored(ada) == ("ada@xn--bcher-kva.example",) * 2
        assert stored(taken) == ("bob@xn--bcher-kva.example",) * 2
        assert stored(clash) == ("bob@bücher.example",) * 2  # reported and kept, address row alike
        assert stored(odd) == ("gr\u00adace@example.com",) * 2
    finally:
        migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.usefixtures("db")
def test_an_account_the_migration_kept_as_it_was_can_still_be_saved():
    """A stored address the rules now refuse must not make every save of its
    account fail (the admin's deactivate action, a reset)."""
    from users.models import User

    User.objects.bulk_create([User(email="gr\u00adace@example.com", password="!")])
    user = User.objects.get()
    user.is_active = False
    user.save()
    assert User.objects.get().email == "gr\u00adace@example.com"


@pytest.mark.django_db(transaction=True)
def test_tokens_issued_before_the_password_binding_keep_working(client):
    from tests.documents import ME
    from users import tokens

    old = migrate_to([("users", "0002_email_address_field")])
    User = old.get_model("users", "User")
    user = User.objects.create(email="ada@example.com", password="argon2$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA")
    old.get_model("account", "EmailAddress").objects.create(user=user, email=user.email, verified=True, primary=True)
    secret = tokens.generate_secret()
    from django.utils import timezone

    old.get_model("users", "AuthToken").objects.create(
        user=user, digest=tokens.digest(secret), expires_at=timezone.now() + timezone.timedelta(days=1)
    )
    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
    response = client.post(
        "/graphql/", {"query": ME}, content_type="application/json", HTTP_AUTHORIZATION=f"Token {secret}"
    )
    assert response.json()["data"]["me"]["email"] == "ada@example.com"
