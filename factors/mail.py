"""The notices a change of second factors sends its owner (ASVS 2.5.5 / 2.2.3):
allauth's templates (`mfa/email/...`, styled here) through the account adapter,
rendered after the answer (`users.adapter`), as the password notice is."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from users.models import User

ADDED = {Authenticator.Type.TOTP: "mfa/email/totp_activated", Authenticator.Type.WEBAUTHN: "mfa/email/webauthn_added"}
REMOVED = {
    Authenticator.Type.TOTP: "mfa/email/totp_deactivated",
    Authenticator.Type.WEBAUTHN: "mfa/email/webauthn_removed",
    Authenticator.Type.RECOVERY_CODES: "mfa/email/recovery_codes_removed",
}
CODES_REGENERATED = "mfa/email/recovery_codes_generated"
CODE_USED = "mfa/email/recovery_code_used"


def notify(request: HttpRequest, user: User, template: str, **context) -> None:
    get_adapter(request).send_notification_mail(template, user, context, user.email)
