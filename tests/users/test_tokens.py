import hashlib

from django.db import connection

from users import token_lookup, tokens
from users.models import AuthToken


def test_database_holds_a_digest_never_the_secret(make_user, login):
    make_user()
    secret = login()
    assert secret.startswith("gqa_") and len(secret) >= 40
    session = AuthToken.objects.get()
    assert session.digest == hashlib.sha256(secret.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM users_authtoken")
        rows = cursor.fetchall()
    assert secret not in repr(rows)


def test_secrets_are_unique_and_unguessable():
    secrets = {tokens.generate_secret() for _ in range(1000)}
    assert len(secrets) == 1000


def test_only_well_formed_secrets_are_looked_up(make_user, django_assert_num_queries):
    make_user()
    for secret in ["", "gqa_" + "a" * 200, "nope", "gqa_é"]:
        with django_assert_num_queries(0):
            assert token_lookup.live_token(secret) is None
