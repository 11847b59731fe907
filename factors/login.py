"""Proving it is you with a second factor: the second step of a password login
(verifyMfa), passkey logins, and step-up reauthentication.

Every answer passes `users.credentials.check_factor`, so a wrong code is a failed
login of the account and a locked account checks no code. allauth checks the
answers (TOTP codes once each, recovery codes once each, WebAuthn signatures);
`factors.stage` keeps the pending login, `factors.webauthn` the challenges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from allauth.mfa import signals
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest
from django.utils.translation import gettext

from factors import mail, manage, stage, webauthn
from factors.webauthn import Purpose
from users import credentials, ratelimits, sessions
from users.cleaning import clean_code, clean_password
from users.errors import InvalidCode, InvalidInput, MfaRequired
from users.events import EventType, announce
from users.models import AuthToken, User

Type = Authenticator.Type

# RFC 8176 3: a passkey is a key whose private part stays in the authenticator
# ("hwk", synced passkeys included), unlocked by its user verification: two factors.
PASSKEY = ("hwk", "mfa")


def method_of(authenticator: Authenticator) -> str:
    """RFC 8176's name for what a second factor proved: a one-time code (an
    authenticator app's or a recovery code), or a key (a security key, a passkey)."""
    return "hwk" if authenticator.type == Type.WEBAUTHN else "otp"


def verify_mfa(request: HttpRequest, mfa_token: str, code: str | None, credential: Any) -> tuple[AuthToken, str]:
    """Finish a login (its first step a password, or an upstream provider's
    sign-in) with a TOTP code, a recovery code or a WebAuthn answer."""
    mfa_token = stage.clean_mfa_token(mfa_token)
    code = one_answer(code, credential)
    challenge = stage.pending_login(mfa_token)
    user = challenge.user
    stage.take_try(challenge)
    try:
        binding = webauthn.login_binding(challenge)
        authenticator = check_answer(request, user, code, credential, Purpose.MFA, binding)
    except InvalidCode:
        stage.void_if_exhausted(challenge)
        raise
    stage.close(challenge)
    sessions.admit(request, user)
    used(request, user, authenticator)
    methods = (*challenge.methods.split(), method_of(authenticator), "mfa")
    return sessions.start_session(request, user, with_factor=True, methods=methods)


def login_with_passkey(request: HttpRequest, credential: Any) -> tuple[AuthToken, str]:
    """Log in with a passkey alone: possession of the key and its user
    verification (PIN or biometrics) are the two factors.

    The answer must first spend a live challenge; then it counts against the
    account it names only if it names one of that account's keys. An answer
    naming anything else (its user handle is only an account's id) is a failure
    of the client alone: nobody can lock an account by its id."""
    state = webauthn.take_state(credential, Purpose.LOGIN, "")
    owner = webauthn.passkey_owner(credential)
    if owner is None or webauthn.key_named(owner, credential) is None:
        credentials.count_client_failure(request)
        raise InvalidCode()
    authenticator = credentials.check_factor(
        request, owner, lambda: webauthn.assertion(request, owner, credential, state)
    )
    sessions.admit(request, owner)
    used(request, owner, authenticator, passwordless=True)
    return sessions.start_session(request, owner, with_factor=True, methods=PASSKEY)


def reauthenticate(request: HttpRequest, password: str | None, code: str | None, credential: Any) -> None:
    """Prove again, on this session, that its owner is at the keyboard: with the
    password, or a second factor. Sensitive mutations need it recent."""
    token = sessions.current_token(request)
    user = token.user
    if [password, code, credential].count(None) != 2:
        raise InvalidInput(gettext("Give exactly one of password, code or credential."), field="password")
    if password is not None:
        credentials.check(request, user.email, clean_password(password))
        sessions.mark_authenticated(token, with_factor=False)
    else:
        code = None if code is None else clean_code(code)
        binding = webauthn.session_binding(token)
        authenticator = check_answer(request, user, code, credential, Purpose.REAUTHENTICATE, binding)
        used(request, user, authenticator)
        # The session's owner proved the password (or held the passkey) at its login:
        # a factor now is the second of two, and amr names both.
        first = next((method for method in ("pwd", "hwk") if method in token.methods.split()), None)
        methods = dict.fromkeys(method for method in (first, method_of(authenticator), "mfa") if method)
        sessions.mark_authenticated(token, with_factor=True, methods=tuple(methods))
    announce(EventType.REAUTHENTICATED, user=user, request=request)


def webauthn_options(request: HttpRequest, purpose: Purpose, mfa_token: str | None) -> dict:
    """Options for the browser's WebAuthn call, for one answer to `purpose`."""
    ratelimits.hit(request, "webauthn_options")
    if purpose is Purpose.LOGIN:
        return webauthn.options(request, purpose, None, "")
    if purpose is Purpose.MFA:
        if mfa_token is None:
            raise InvalidInput(gettext("Give the mfaToken of the login."), field="mfaToken")
        challenge = stage.pending_login(stage.clean_mfa_token(mfa_token))
        if not is_mfa_enabled(challenge.user, [Type.WEBAUTHN]):
            raise InvalidInput(gettext("This account has no security key: use a code."), field="purpose")
        return webauthn.options(request, purpose, challenge.user, webauthn.login_binding(challenge))
    token = manage.may_add_factor(request) if purpose is Purpose.REGISTER else sessions.current_token(request)
    return webauthn.options(request, purpose, token.user, webauthn.session_binding(token))


def prove_with_code(request: HttpRequest, user: User, code: str) -> Authenticator:
    """The factor a typed code proves for `user`, through the gate, its use recorded:
    for forms that take a code beside the password (the admin's login)."""
    code = clean_code(code)
    authenticator = credentials.check_factor(request, user, lambda: code_answer(user, code))
    used(request, user, authenticator)
    return authenticator


class SecondFactorStage:
    """The login stage of an account with a second factor (LOGIN_STAGES): a
    password alone is half of its login, over the API as in a form."""

    def begin(self, request: HttpRequest, user: User, methods: Sequence[str]) -> None:
        stage.require_second_factor(user, methods)

    def complete(self, request: HttpRequest, user: User, fields: Mapping[str, str]) -> None:
        if not stage.needs_second_factor(user):
            return
        if not fields.get("code"):
            raise MfaRequired(
                gettext(
                    "This account has a second factor: enter a code from your authenticator app, or a recovery code."
                )
            )
        prove_with_code(request, user, fields["code"])


def one_answer(code: str | None, credential: Any) -> str | None:
    """Exactly one of a code and a WebAuthn answer; the code cleaned."""
    if (code is None) == (credential is None):
        raise InvalidInput(gettext("Give either a code or a security key's answer (credential)."), field="code")
    return None if code is None else clean_code(code)


def check_answer(
    request: HttpRequest, user: User, code: str | None, credential: Any, purpose: Purpose, binding: str
) -> Authenticator:
    """The factor of `user` that `code` or `credential` proves, through the gate."""
    if code is not None:
        return credentials.check_factor(request, user, lambda: code_answer(user, code))
    return credentials.check_factor(request, user, lambda: key_answer(request, user, credential, purpose, binding))


def code_answer(user: User, code: str) -> Authenticator | None:
    """The TOTP or recovery-code factor `code` is good for, spending it: allauth
    remembers a used TOTP code for its period, and marks a recovery code used
    under a row lock."""
    factors = Authenticator.objects.filter(user_id=user.pk, type__in=[Type.TOTP, Type.RECOVERY_CODES])
    for authenticator in sorted(factors, key=lambda a: a.type != Type.TOTP):
        wrapper = authenticator.wrap()
        if wrapper.validate_code(code):
            return wrapper.instance  # as the check left it (a recovery code's row is re-read, locked)
    return None


def key_answer(
    request: HttpRequest, user: User, credential: Any, purpose: Purpose, binding: str
) -> Authenticator | None:
    """`user`'s WebAuthn key that signed this answer to a challenge asked for
    `purpose` by `binding`, spending the challenge; None if it does not check out."""
    try:
        state = webauthn.take_state(credential, purpose, binding)
    except InvalidCode:
        return None
    return webauthn.assertion(request, user, credential, state)


def used(request: HttpRequest, user: User, authenticator: Authenticator, *, passwordless: bool = False) -> None:
    """Record a factor's use (allauth's last-used time and signal); a spent
    recovery code is told to its owner."""
    authenticator.record_usage()
    signals.authenticator_used.send(
        sender=Authenticator,
        request=request,
        user=user,
        authenticator=authenticator,
        reauthenticated=False,
        passwordless=passwordless,
    )
    if authenticator.type == Type.RECOVERY_CODES:
        left = len(authenticator.wrap().get_unused_codes())
        mail.notify(request, user, mail.CODE_USED, unused_codes=left)
