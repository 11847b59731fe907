"""The second step of a password login: which accounts need it, and the
mfaToken that stands for the login until a second factor completes it.

allauth's own stage (`allauth.mfa.stages.AuthenticateStage`) keeps the pending
login in a Django session; an API has none, so the pending login is a row
(`MfaChallenge`) found by the digest of a token shown once, like a session.
The rule is allauth's: TOTP or a WebAuthn key makes a second factor needed
(recovery codes alone do not), and a passkey login needs none (it is two).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from factors.models import MfaChallenge
from users import tokens
from users.cleaning import clean_key
from users.errors import ExpiredKey, InvalidKey, MfaRequired
from users.models import User

Type = Authenticator.Type
# What can finish a login, in the contract's AuthenticatorType order.
METHODS = [Type.TOTP, Type.RECOVERY_CODES, Type.WEBAUTHN]
SECOND_FACTORS = {Type.TOTP, Type.WEBAUTHN}
# Marks an mfaToken as ours, as `users.tokens.PREFIX` marks a session's.
PREFIX = "gqm_"

ENDED = gettext_lazy("This sign-in has ended. Please sign in again.")
TOO_LONG = gettext_lazy("This sign-in took too long. Please sign in again.")


def methods_of(user: User) -> list[str]:
    """The kinds of factor `user` holds that can finish a login."""
    held = set(Authenticator.objects.filter(user_id=user.pk).values_list("type", flat=True).distinct())
    return [method for method in METHODS if method in held]


def needs_second_factor(user: User) -> bool:
    return is_mfa_enabled(user, SECOND_FACTORS)


def require_second_factor(user: User, proved: Sequence[str]) -> None:
    """Raise MfaRequired, with a new mfaToken, when `user` has a second factor;
    the login's first step proved `proved` (RFC 8176 values)."""
    methods = methods_of(user)
    if SECOND_FACTORS.isdisjoint(methods):
        return
    raise MfaRequired(mfa_token=open_challenge(user, proved), methods=[str(method) for method in methods])


def open_challenge(user: User, proved: Sequence[str]) -> str:
    """Record a pending login of `user` whose first step proved `proved`; return
    its mfaToken, which is not stored."""
    return tokens.issue_row(
        MfaChallenge,
        PREFIX,
        settings.MFA_TOKEN_TTL,
        user=user,
        password_digest=user.password_digest,
        methods=" ".join(proved),
        created_at=timezone.now(),
    )


def clean_mfa_token(mfa_token: str) -> str:
    return clean_key(mfa_token, field="mfaToken", missing=gettext("Enter the mfaToken of the login."))


def pending_login(mfa_token: str) -> MfaChallenge:
    """The pending login `mfa_token` stands for, with its user; InvalidKey when it is
    unknown, spent, voided by wrong answers or by a new password; ExpiredKey past its TTL."""
    if not tokens.is_well_formed(mfa_token, PREFIX):
        raise InvalidKey(ENDED, field="mfaToken")
    challenge = MfaChallenge.objects.select_related("user").filter(digest=tokens.digest(mfa_token)).first()
    if challenge is None or not hmac.compare_digest(challenge.password_digest, challenge.user.password_digest):
        raise InvalidKey(ENDED, field="mfaToken")
    if challenge.expires_at <= timezone.now():
        challenge.delete()
        raise ExpiredKey(TOO_LONG, field="mfaToken")
    return challenge


def take_try(challenge: MfaChallenge) -> None:
    """Spend one of the login's MFA_TOKEN_MAX_FAILURES tries before an answer is
    checked, so concurrent guesses cannot exceed them; a right answer ends the
    login anyway (`close`)."""
    spent = MfaChallenge.objects.filter(pk=challenge.pk, failures__lt=settings.MFA_TOKEN_MAX_FAILURES).update(
        failures=F("failures") + 1
    )
    if not spent:
        challenge.delete()
        raise InvalidKey(gettext("Too many wrong answers. Please sign in again."), field="mfaToken")


def close(challenge: MfaChallenge) -> None:
    """Spend the mfaToken: of two answers racing, one completes the login."""
    deleted, _ = MfaChallenge.objects.filter(pk=challenge.pk).delete()
    if not deleted:
        raise InvalidKey(ENDED, field="mfaToken")


def void_if_exhausted(challenge: MfaChallenge) -> None:
    """After a wrong answer: the last try gone, the mfaToken dies at once."""
    MfaChallenge.objects.filter(pk=challenge.pk, failures__gte=settings.MFA_TOKEN_MAX_FAILURES).delete()
