"""The pending login's rules at the level where they hold under concurrency:
each is one conditional statement, so two requests that both read the same
pending login still cannot both complete it, nor exceed its tries."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from factors import stage
from factors.models import MfaChallenge
from users.errors import InvalidKey, MfaRequired

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(make_user) -> MfaChallenge:
    user = make_user()
    TOTP.activate(user, generate_totp_secret())
    with pytest.raises(MfaRequired) as required:
        stage.require_second_factor(user, ("pwd",))
    return stage.pending_login(required.value.mfa_token)


def test_of_two_answers_that_read_the_same_pending_login_one_completes_it(pending):
    first, second = pending, MfaChallenge.objects.get(pk=pending.pk)  # two requests' copies
    stage.close(first)
    with pytest.raises(InvalidKey):
        stage.close(second)


def test_tries_are_counted_in_the_database_not_in_a_requests_copy(pending, settings):
    copies = [MfaChallenge.objects.get(pk=pending.pk) for _ in range(settings.MFA_TOKEN_MAX_FAILURES + 1)]
    for copy in copies[:-1]:  # every copy still reads failures == 0
        stage.take_try(copy)
    with pytest.raises(InvalidKey):
        stage.take_try(copies[-1])
    assert not MfaChallenge.objects.exists()
