"""Password reset keys: allauth's email-aware form of Django's reset tokens.

A key is `<user id in base 36>-<timestamp>-<hash>`, the format of allauth's own
reset links. The hash covers the user's password hash and email addresses, so
no row stores the key, a reset consumes it (the password changes), any other
password change voids it, and a key sent to one address is useless once the
address changes. Unlike Django's, it does not cover the last login: a login
would void the owner's link, and an intruder who knows the password could keep
the owner from recovering the account for as long as he liked. Django's `check_token` folds "forged" and "too old"
into one False; `check` tells them apart, so a person with a merely old link is
told to ask for a new one.
"""

from __future__ import annotations

from enum import Enum

from allauth.account.forms import EmailAwarePasswordResetTokenGenerator
from allauth.account.models import EmailAddress
from allauth.account.utils import url_str_to_user_pk, user_pk_to_url_str
from django.conf import settings
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int

from users.models import MAX_ID, User


class Verdict(Enum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


class ResetKeyGenerator(EmailAwarePasswordResetTokenGenerator):
    def _make_hash_value(self, user: User, timestamp: int) -> str:
        # Verified ones only: a pending change of address (users/account.py) must
        # not void reset links, nor tell whether the address it asked for was free.
        addresses = EmailAddress.objects.filter(user_id=user.pk, verified=True).values_list("email", flat=True)
        emails = "|".join(sorted({user.email, *addresses}))
        return f"{user.pk}{user.password}{timestamp}{emails}"

    def make_key(self, user: User) -> str:
        return f"{user_pk_to_url_str(user)}-{self.make_token(user)}"

    def user_id(self, key: str) -> int | None:
        """The user id a key names, or None if it names none."""
        user_part, _, _ = key.partition("-")
        try:
            user_id = url_str_to_user_pk(user_part)
        except (ValueError, TypeError):
            return None
        return user_id if 0 < user_id <= MAX_ID else None

    def check(self, user: User, key: str) -> Verdict:
        """Django's `check_token`, in one pass: the hash at the key's own timestamp
        (each costs a query for the addresses), then its age."""
        _, _, token = key.partition("-")
        try:
            timestamp_b36, _ = token.split("-")
            timestamp = base36_to_int(timestamp_b36)
        except ValueError:
            return Verdict.INVALID
        secrets = [self.secret, *self.secret_fallbacks]
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token) for secret in secrets
        ):
            return Verdict.INVALID
        if self._num_seconds(self._now()) - timestamp > settings.PASSWORD_RESET_TIMEOUT:
            return Verdict.EXPIRED
        return Verdict.VALID


generator = ResetKeyGenerator()


def make_key(user: User) -> str:
    return generator.make_key(user)


def user_id(key: str) -> int | None:
    return generator.user_id(key)


def check(user: User, key: str) -> Verdict:
    return generator.check(user, key)
