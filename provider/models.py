"""What the provider keeps beside allauth's tables."""

from django.conf import settings
from django.db import models


class SpentRefreshToken(models.Model):
    """A refresh token that rotation replaced (allauth deletes its row), kept
    until it would have expired, with the chain it belonged to: presented
    again, it revokes that chain (provider/refresh.py). Only its digest is kept."""

    hash = models.CharField(max_length=255, unique=True)
    client = models.ForeignKey("allauth_idp_oidc.Client", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # allauth's grant id, which every token of one authorization carries ("" for
    # tokens from before allauth kept it: then the client's tokens are the chain).
    grant_id = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Spent refresh token of user #{self.user_id} at {self.client_id}"


class GrantSession(models.Model):
    """Which sign-in an application's grant was given through (the hosted
    session that made its code). The sign-in ending (logoutAll, revokeSession,
    signing out) deletes this row with it, and with it the grant's tokens
    (provider/sessions.py)."""

    grant_id = models.CharField(max_length=64, db_index=True)
    session = models.ForeignKey("users.AuthToken", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("allauth_idp_oidc.Client", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # What the grant's first ID token said of the sign-in (auth_time, amr, acr):
    # a refreshed one says the same (OIDC Core 12.2).
    claims = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Grant {self.grant_id} through session #{self.session_id}"


class Consent(models.Model):
    """The scopes a person granted an application on the consent page (third-party
    clients, `--consent`): the page is not shown again for them, only for a scope
    beyond them or when the client asks (`prompt=consent`). revokeApplication
    ends it; a denial records nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("allauth_idp_oidc.Client", on_delete=models.CASCADE, related_name="+")
    scopes = models.TextField()  # space-separated, as a token's
    granted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "client"], name="one_consent_per_application")]

    def __str__(self) -> str:
        return f"Consent of user #{self.user_id} to {self.client_id}"

    def get_scopes(self) -> set[str]:
        return set(self.scopes.split())
