"""The notices a change of second factors sends its owner (ASVS 2.5.5 / 2.2.3):
allauth's templates (`mfa/email/...`, styled here) through the account adapter,
rendered after the answer, as `users.mail` sends the password notice."""

from __future__ import annotations

from functools import partial

from allauth.account.adapter import get_adapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from users.background import after_answer
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
    adapter = get_adapter(request)
    after_answer(partial(adapter.send_notification_mail, template, user, context, user.email))
