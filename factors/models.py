"""A login waiting for its second factor: what an `mfaToken` stands for."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MfaChallenge(models.Model):
    """A login whose first step was right (a password, an upstream identity
    provider's sign-in), for an account with a second factor.

    As with sessions, only a digest of the token is kept. It is single use (the
    row goes when the login completes), lives MFA_TOKEN_TTL, and dies with the
    password it was checked under (`password_digest`) or after
    MFA_TOKEN_MAX_FAILURES wrong answers.
    """

    digest = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_challenges")
    password_digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    failures = models.PositiveSmallIntegerField(default=0)
    # What the login's first step proved (RFC 8176, space-separated): the password,
    # or an upstream identity provider's sign-in.
    methods = models.CharField(max_length=40, default="pwd", editable=False)

    class Meta:
        verbose_name = "pending second-factor login"

    def __str__(self) -> str:
        return f"pending login of {self.user_id}"
