"""The caller's own second factors: setting up an authenticator app (TOTP),
adding a passkey, recovery codes, removal. Each needs a recent login or
`reauthenticate` on the session (`users.sessions.recent_session`), and each
change is mailed to the owner.

allauth's flows for these read `request.session` (the pending TOTP secret, the
WebAuthn state) and its own reauthentication records; here they are called one
level down (`TOTP.activate`, `RecoveryCodes`, `WebAuthn.add`,
`delete_and_cleanup`), the pending secret kept in the shared cache, encrypted,
for the session that asked.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.base.internal.flows import delete_and_cleanup
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, validate_totp_code
from allauth.mfa.utils import decrypt, encrypt, is_mfa_enabled
from allauth.mfa.webauthn.internal.auth import WebAuthn
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext

from factors import mail, stage, webauthn
from factors.webauthn import Purpose
from users import ratelimits, sessions
from users.cache_keys import cache_key
from users.cleaning import clean_code, clean_id, clean_name
from users.errors import InvalidCode, InvalidInput, NotFound, ReauthenticationRequired
from users.locking import lock_user
from users.models import AuthToken, User

Type = Authenticator.Type
# How long a person has to scan the QR code and type the first code.
TOTP_SETUP_SECONDS = 600


def managing_session(request: HttpRequest) -> AuthToken:
    """The caller's recent session, within the account's limit on factor changes."""
    token = sessions.recent_session(request)
    ratelimits.hit(request, "manage_factors")
    return token


def may_add_factor(request: HttpRequest) -> AuthToken:
    """The caller's recent session, if its account may take another factor: its
    address verified (allauth's rule: an attacker who registered someone else's
    address must not lock its owner out with a factor)."""
    token = managing_session(request)
    if not token.user.email_verified:
        raise InvalidInput(gettext("Verify your email address before adding a second factor."))
    return token


def setup_totp(request: HttpRequest) -> tuple[str, str, str]:
    """A new TOTP secret for the caller to enrol (secret, otpauth URI, QR code as
    SVG); nothing is active until `confirm_totp` gets a code from it."""
    token = may_add_factor(request)
    user = token.user
    refuse_second_app(is_mfa_enabled(user, [Type.TOTP]))
    secret = generate_totp_secret()
    cache.set(pending_secret_key(token), encrypt(secret), TOTP_SETUP_SECONDS)
    adapter = get_mfa_adapter()
    uri = adapter.build_totp_url(user, secret)
    return secret, uri, adapter.build_totp_svg(uri)


def confirm_totp(request: HttpRequest, code: str) -> list[str] | None:
    """Activate the TOTP secret from `setup_totp` with a code it makes. The
    account's first factor also gets recovery codes, returned here once."""
    code = clean_code(code)
    token = may_add_factor(request)
    user = token.user
    secret = pending_totp_secret(token)
    if secret is None:
        raise InvalidCode(
            gettext("Start again with setupTotp: the setup has expired or was never started."), field="code"
        )
    if not validate_totp_code(secret, code):
        raise InvalidCode(field="code")
    with transaction.atomic():
        lock_user(user, as_read=False)  # serialises enrolments of one account
        held = set(stage.methods_of(user))
        refuse_second_app(Type.TOTP in held)
        totp = TOTP.activate(user, secret)
        totp._mark_code_used(code)  # the enrolment code cannot also log in
        codes = None if Type.RECOVERY_CODES in held else RecoveryCodes.activate(user).generate_codes()
        added(request, user, totp.instance)
    cache.delete(pending_secret_key(token))
    return codes


def regenerate_recovery_codes(request: HttpRequest) -> list[str]:
    """New recovery codes for an account with a second factor; the old stop working."""
    user = managing_session(request).user
    with transaction.atomic():
        lock_user(user, as_read=False)
        if not stage.needs_second_factor(user):
            raise InvalidInput(gettext("Set up an authenticator app or a passkey first."))
        Authenticator.objects.filter(user_id=user.pk, type=Type.RECOVERY_CODES).delete()
        recovery = RecoveryCodes.activate(user)
        transaction.on_commit(
            lambda: signals.authenticator_reset.send(
                sender=Authenticator, request=request, user=user, authenticator=recovery.instance
            )
        )
        mail.notify(request, user, mail.CODES_REGENERATED)
    return recovery.generate_codes()


def register_passkey(request: HttpRequest, name: str, credential: Any) -> Authenticator:
    """Add the passkey the browser made from `webauthnOptions(REGISTER)`'s options."""
    name = clean_name(name)
    token = may_add_factor(request)
    user = token.user
    state = webauthn.take_state(credential, Purpose.REGISTER, webauthn.session_binding(token))
    stored = webauthn.registration(request, credential, state)
    name = name or get_mfa_adapter().generate_authenticator_name(user, Type.WEBAUTHN)
    with transaction.atomic():
        authenticator = WebAuthn.add(user, name, stored).instance
        added(request, user, authenticator)
    return authenticator


def remove_authenticator(request: HttpRequest, authenticator_id: str) -> None:
    """Remove one of the caller's factors; removing the last second factor also
    removes the recovery codes (allauth's cleanup), and needs the session's
    latest proof to have been a factor: the password alone (a phished one, on a
    stolen session) must not take away what it cannot pass."""
    token = managing_session(request)
    user = token.user
    pk = clean_id(authenticator_id)
    if pk is None:
        raise NotFound(gettext("No such factor."), field="id")
    with transaction.atomic():
        lock_user(user, as_read=False)
        second_factors = Authenticator.objects.filter(user_id=user.pk).exclude(type=Type.RECOVERY_CODES)
        if not token.authenticated_with_factor and list(second_factors.values_list("pk", flat=True)) == [pk]:
            raise ReauthenticationRequired(
                gettext("Removing your last second factor needs a code or security key: reauthenticate with one.")
            )
        if delete_factor(request, user, pk) is None:
            raise NotFound(gettext("No such factor."), field="id")


def remove(request: HttpRequest, authenticator: Authenticator) -> None:
    """Staff's removal in the admin, as the owner's own: a factor already gone
    (taken with the last second factor a moment ago) is left alone, and nobody is
    told twice."""
    with transaction.atomic():
        lock_user(authenticator.user, as_read=False)
        delete_factor(request, authenticator.user, authenticator.pk)


def delete_factor(request: HttpRequest, user: User, pk: int) -> Authenticator | None:
    """Under the user's lock: delete `user`'s factor `pk` with allauth's cleanup (the
    recovery codes go with the last second factor) and tell its owner; None if the
    account holds no such factor."""
    held = {factor.pk: factor for factor in Authenticator.objects.filter(user_id=user.pk)}
    authenticator = held.pop(pk, None)
    if authenticator is None:
        return None
    authenticator.user = user
    delete_and_cleanup(request, authenticator)
    # allauth removes the recovery codes exactly when they are all that is left.
    codes_went = {factor.type for factor in held.values()} == {Type.RECOVERY_CODES}
    mail.notify(request, user, mail.REMOVED[authenticator.type], recovery_codes_removed=codes_went)
    return authenticator


def added(request: HttpRequest, user: User, authenticator: Authenticator) -> None:
    """allauth's signal and the owner's notice for a new factor, once it is stored."""
    transaction.on_commit(
        lambda: signals.authenticator_added.send(
            sender=Authenticator, request=request, user=user, authenticator=authenticator
        )
    )
    mail.notify(request, user, mail.ADDED[authenticator.type])


def refuse_second_app(has_one: bool) -> None:
    if has_one:
        raise InvalidInput(gettext("An authenticator app is already set up: remove it first."))


def pending_secret_key(token: AuthToken) -> str:
    return cache_key("totp-setup", token.digest)


def pending_totp_secret(token: AuthToken) -> str | None:
    """The secret `setup_totp` made for this session, while the setup lasts."""
    encrypted = cache.get(pending_secret_key(token))
    return None if encrypted is None else decrypt(encrypted)
