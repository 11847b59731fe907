"""The raw-SQL token lookup answers exactly what the ORM query it replaces would:
pinned here, so a Django upgrade that changes what it relies on (model metadata,
the backends' converters, `from_db`) fails loudly rather than drifting."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from users import token_lookup, tokens
from users.models import AuthToken, User, email_verified

pytestmark = pytest.mark.django_db


def orm_live_token(secret: str) -> AuthToken | None:
    """The lookup as the ORM says it."""
    token = (
        AuthToken.objects.live()
        .select_related("user")
        .filter(digest=tokens.digest(secret), user__is_active=True)
        .first()
    )
    if token is None or token.password_digest != token.user.password_digest:
        return None
    token.user = User.objects.annotate(email_verified=email_verified()).get(pk=token.user_id)
    return token


def fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


@pytest.fixture
def tokens_in_every_state(make_user):
    verified = make_user("ada@example.com", last_login=timezone.now())
    unverified = make_user("grace@example.com", verified=False)
    other_verified = make_user("alan@example.com", verified=False)
    EmailAddress.objects.create(user=other_verified, email="old@example.com", verified=True)
    inactive = make_user("ken@example.com", is_active=False)
    states = {}
    for name, user in [
        ("verified", verified),
        ("unverified", unverified),
        ("another address verified", other_verified),
        ("inactive", inactive),
    ]:
        states[name] = AuthToken.objects.issue(user, user_agent="Firefox é", ip_address="2001:db8::1")[1]
    token, states["expired"] = AuthToken.objects.issue(verified)
    AuthToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    token, states["issued under another password"] = AuthToken.objects.issue(verified)
    AuthToken.objects.filter(pk=token.pk).update(password_digest="0" * 64)
    states["unknown"] = tokens.generate_secret()
    return states


def test_the_sql_lookup_answers_as_the_orm_query(tokens_in_every_state):
    for state, secret in tokens_in_every_state.items():
        expected, found = orm_live_token(secret), token_lookup.live_token(secret)
        if expected is None:
            assert found is None, state
            continue
        assert fields(found) == {**fields(expected), "last_used_at": found.last_used_at}, state
        assert fields(found.user) == fields(expected.user), state
        assert found.user.email_verified is expected.user.email_verified, state
    assert {s for s, secret in tokens_in_every_state.items() if token_lookup.live_token(secret)} == {
        "verified",
        "unverified",
        "another address verified",
    }
