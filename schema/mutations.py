"""Mutations: each one calls a flow (of `users` or `factors`) and
reports how it went; the login-completing ones hand their session over through
`users.sessions.hand_off`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry_django.utils.requests import get_request

from factors import login as factor_login
from factors import manage as factors
from federation import flows as federation
from provider import grants
from schema.errors import UserError, user_errors
from schema.extensions import CREDENTIAL
from schema.types import (
    AuthenticatorType,
    LoginResult,
    RecoveryCodesResult,
    Result,
    TotpSetupResult,
    WebauthnOptionsResult,
    WebauthnPurpose,
)
from users import account, passwords, sessions, signup, staff
from users.authentication import (
    clear_session_cookie,
    cookie_is_stale,
    cookie_session,
)
from users.errors import AccountError, AccountErrors, MfaRequired
from users.models import AuthToken
from users.permissions import Permission

T = TypeVar("T")

# The `cookie` argument of the login-completing mutations.
CookieArgument = Annotated[
    bool | None,
    strawberry.argument(description="Set the token as an HttpOnly cookie for this browser instead of returning it."),
]


def credential_mutation(*, description: str):
    """A mutation that checks a secret or sends mail: at most one of these runs per
    request (`schema.extensions.one_credential.OneCredentialMutationPerRequest` reads this mark)."""
    return strawberry.mutation(description=description, metadata={CREDENTIAL: True})


def outcome(flow: Callable[[], T]) -> tuple[T | None, list[UserError]]:
    """Run a flow; return its value, or the payload errors its failure maps to."""
    try:
        return flow(), []
    except (AccountError, AccountErrors) as failure:
        return None, user_errors(failure)


def result_of(flow: Callable[[], object]) -> Result:
    _, errors = outcome(flow)
    return Result(success=not errors, errors=errors)


def login_completing(info: Info, flow: Callable[[], tuple[AuthToken, str]], *, cookie: bool) -> LoginResult:
    """A login-completing mutation's answer: the token in the payload, or, asked for
    `cookie`, in an HttpOnly cookie and not in the payload (the contract's Transport)."""
    try:
        signed_in = sessions.hand_off(get_request(info), flow, cookie=cookie)
    except MfaRequired as pending:
        return LoginResult(
            success=False,
            errors=user_errors(pending),
            mfa_token=pending.mfa_token,
            mfa_methods=[AuthenticatorType(method) for method in pending.methods],
        )
    except (AccountError, AccountErrors) as failure:
        return LoginResult(success=False, errors=user_errors(failure))
    signed_in.deliver(info.context.response)
    token = signed_in.token
    return LoginResult(
        success=True,
        errors=[],
        token=None if cookie else signed_in.secret,
        expires_at=token.expires_at,
        user=token.user,
    )


def forget_session_cookie(info: Info) -> None:
    """Clear the cookie when this request's session came from it, or when it no
    longer authenticates; a session sent in the header leaves the cookie's own alone."""
    request = get_request(info)
    if cookie_session(request) is not None or cookie_is_stale(request):
        clear_session_cookie(info.context.response)


@strawberry.type
class Mutation:
    @credential_mutation(description="Create an account and email it a verification link.")
    def register(self, info: Info, email: str, password: str) -> Result:
        return result_of(lambda: signup.register(get_request(info), email, password))

    @credential_mutation(description="Verify an email address with the key from its link.")
    def verify_email(self, info: Info, key: str) -> Result:
        return result_of(lambda: signup.verify_email(get_request(info), key))

    @credential_mutation(description="Email a new verification link, if one is awaited.")
    def resend_verification_email(self, info: Info, email: str) -> Result:
        return result_of(lambda: signup.resend_verification_email(get_request(info), email))

    @credential_mutation(description="Exchange email and password for a new token.")
    def login(
        self,
        info: Info,
        email: str,
        password: str,
        cookie: CookieArgument = False,
    ) -> LoginResult:
        return login_completing(info, lambda: sessions.login(get_request(info), email, password), cookie=bool(cookie))

    @credential_mutation(
        description="Finish a sign-in through another identity provider: the login_code the browser brought "
        "back from PUBLIC_URL/login/external/<provider>, once, within 60 seconds."
    )
    def complete_external_login(self, info: Info, code: str, cookie: CookieArgument = False) -> LoginResult:
        request = get_request(info)
        return login_completing(info, lambda: federation.complete_external_login(request, code), cookie=bool(cookie))

    @strawberry.mutation(
        description="Remove a link to another identity provider; needs a recent login, and is refused for "
        "the last way to sign in."
    )
    def unlink_identity(self, info: Info, id: strawberry.ID) -> Result:  # noqa: A002 (the contract's name)
        return result_of(lambda: federation.unlink_identity(get_request(info), id))

    @strawberry.mutation(description="Set the caller's language for pages and mails: one of LANGUAGES.")
    def set_language(self, info: Info, language: str) -> Result:
        return result_of(lambda: account.set_language(get_request(info), language))

    @strawberry.mutation(description="Revoke the token this request was made with; clears the session cookie.")
    def logout(self, info: Info) -> Result:
        forget_session_cookie(info)
        return result_of(lambda: sessions.logout(get_request(info)))

    @strawberry.mutation(description="Revoke every token of the caller; clears the session cookie.")
    def logout_all(self, info: Info) -> Result:
        forget_session_cookie(info)
        return result_of(lambda: sessions.logout_all(get_request(info)))

    @strawberry.mutation(description="Revoke one of the caller's own sessions.")
    def revoke_session(self, info: Info, id: strawberry.ID) -> Result:  # noqa: A002 (the contract's name)
        return result_of(lambda: sessions.revoke_session(get_request(info), id))

    @strawberry.mutation(description="End every token an application holds for the caller (its grant).")
    def revoke_application(self, info: Info, id: strawberry.ID) -> Result:  # noqa: A002 (the contract's name)
        return result_of(lambda: grants.revoke_application(get_request(info), id))

    @credential_mutation(description="Email a password reset link, if the address has an account.")
    def request_password_reset(self, info: Info, email: str) -> Result:
        return result_of(lambda: passwords.request_password_reset(get_request(info), email))

    @credential_mutation(
        description="Let this network sign in to an account past its account-wide lock, "
        "with the key from the link mailed to its owner."
    )
    def unlock_account(self, info: Info, key: str) -> Result:
        return result_of(lambda: sessions.unlock_account(get_request(info), key))

    @credential_mutation(description="Set a new password with the key from a reset link.")
    def reset_password(self, info: Info, key: str, new_password: str) -> Result:
        return result_of(lambda: passwords.reset_password(get_request(info), key, new_password))

    @credential_mutation(description="Change the caller's password; other sessions end.")
    def change_password(self, info: Info, old_password: str, new_password: str) -> Result:
        return result_of(lambda: passwords.change_password(get_request(info), old_password, new_password))

    # Second factors and passkeys (factors/).
    @credential_mutation(
        description="Finish a login that answered MFA_REQUIRED: a TOTP code, an unused recovery code, "
        "or the browser's answer (credential) to webauthnOptions(MFA)."
    )
    def verify_mfa(
        self,
        info: Info,
        mfa_token: str,
        code: str | None = None,
        credential: JSON | None = None,
        cookie: CookieArgument = False,
    ) -> LoginResult:
        request = get_request(info)
        return login_completing(
            info, lambda: factor_login.verify_mfa(request, mfa_token, code, credential), cookie=bool(cookie)
        )

    @strawberry.mutation(
        description="Options for the browser's WebAuthn call (navigator.credentials.create or .get). "
        "REGISTER needs a recent login; MFA needs the login's mfaToken."
    )
    def webauthn_options(
        self, info: Info, purpose: WebauthnPurpose, mfa_token: str | None = None
    ) -> WebauthnOptionsResult:
        request = get_request(info)
        options, errors = outcome(lambda: factor_login.webauthn_options(request, purpose, mfa_token))
        return WebauthnOptionsResult(success=not errors, errors=errors, options=options)

    @credential_mutation(description="Log in with a passkey: the browser's answer to webauthnOptions(LOGIN).")
    def login_with_passkey(
        self,
        info: Info,
        credential: JSON,
        cookie: CookieArgument = False,
    ) -> LoginResult:
        request = get_request(info)
        return login_completing(info, lambda: factor_login.login_with_passkey(request, credential), cookie=bool(cookie))

    @credential_mutation(
        description="Add a passkey: the browser's answer to webauthnOptions(REGISTER). Needs a recent login."
    )
    def register_passkey(self, info: Info, name: str, credential: JSON) -> Result:
        return result_of(lambda: factors.register_passkey(get_request(info), name, credential))

    @strawberry.mutation(
        description="Start setting up an authenticator app: its secret and QR code. Nothing is active "
        "until confirmTotp. Needs a recent login."
    )
    def setup_totp(self, info: Info) -> TotpSetupResult:
        setup, errors = outcome(lambda: factors.setup_totp(get_request(info)))
        if setup is None:
            return TotpSetupResult(success=False, errors=errors)
        secret, uri, svg = setup
        return TotpSetupResult(success=True, errors=[], secret=secret, otpauth_uri=uri, qr_code_svg=svg)

    @credential_mutation(
        description="Activate the authenticator app with a code it shows. The first factor also creates "
        "recovery codes, shown here once. Needs a recent login."
    )
    def confirm_totp(self, info: Info, code: str) -> RecoveryCodesResult:
        codes, errors = outcome(lambda: factors.confirm_totp(get_request(info), code))
        return RecoveryCodesResult(success=not errors, errors=errors, codes=codes)

    @credential_mutation(description="New recovery codes, shown once; the old stop working. Needs a recent login.")
    def regenerate_recovery_codes(self, info: Info) -> RecoveryCodesResult:
        codes, errors = outcome(lambda: factors.regenerate_recovery_codes(get_request(info)))
        return RecoveryCodesResult(success=not errors, errors=errors, codes=codes)

    @credential_mutation(
        description="Remove one of the caller's factors; the last second factor takes the recovery "
        "codes with it. Needs a recent login."
    )
    def remove_authenticator(self, info: Info, id: strawberry.ID) -> Result:  # noqa: A002 (the contract's name)
        return result_of(lambda: factors.remove_authenticator(get_request(info), id))

    @credential_mutation(
        description="Confirm it is you, for the sensitive mutations: the password, or a second factor "
        "(a code, or the browser's answer to webauthnOptions(REAUTHENTICATE))."
    )
    def reauthenticate(
        self, info: Info, password: str | None = None, code: str | None = None, credential: JSON | None = None
    ) -> Result:
        return result_of(lambda: factor_login.reauthenticate(get_request(info), password, code, credential))

    @strawberry.mutation(
        description=f"Deactivate an account: its sessions end at once and its logins answer "
        f"ACCOUNT_DISABLED. Needs {Permission.CHANGE_USER}."
    )
    def disable_user(self, info: Info, id: strawberry.ID) -> Result:  # noqa: A002 (the contract's name)
        return result_of(lambda: staff.disable_user(get_request(info), id))

    @strawberry.mutation(description=f"Reactivate an account. Needs {Permission.CHANGE_USER}.")
    def enable_user(self, info: Info, id: strawberry.ID) -> Result:  # noqa: A002 (the contract's name)
        return result_of(lambda: staff.enable_user(get_request(info), id))

    @strawberry.mutation(
        description=f"Lift the brute-force locks the service put on an account, from every network. "
        f"Needs {Permission.CHANGE_USER}."
    )
    def clear_login_locks(self, info: Info, id: strawberry.ID) -> Result:  # noqa: A002 (the contract's name)
        return result_of(lambda: staff.clear_login_locks(get_request(info), id))

    @credential_mutation(
        description="Mail a verification link to a new address for the caller's account; it becomes the "
        "sign-in address once verified, and the old one is told. The same answer whether or not the "
        "address is taken. Needs a recent login."
    )
    def change_email(self, info: Info, new_email: str) -> Result:
        return result_of(lambda: account.change_email(get_request(info), new_email))

    @credential_mutation(
        description="Delete the caller's account at once, with its sessions, factors and addresses; "
        "its address gets a last notice. Needs a recent login; clears the session cookie."
    )
    def delete_account(self, info: Info) -> Result:
        result = result_of(lambda: account.delete_account(get_request(info)))
        if result.success:
            forget_session_cookie(info)
        return result
