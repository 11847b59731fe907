"""Mutations: each one calls a flow of `users` and reports how it went."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import strawberry
from strawberry.types import Info
from strawberry_django.utils.requests import get_request

from schema.errors import UserError, user_errors
from schema.extensions import CREDENTIAL
from schema.types import LoginResult, Result
from users import passwords, sessions, signup
from users.authentication import (
    check_cookie_can_be_kept,
    clear_session_cookie,
    cookie_is_stale,
    cookie_session,
    set_session_cookie,
)
from users.errors import AccountError, AccountErrors
from users.models import AuthToken

T = TypeVar("T")


def credential_mutation(*, description: str):
    """A mutation that checks a secret or sends mail: at most one of these runs per
    request (`schema.extensions.OneCredentialMutationPerRequest` reads this mark)."""
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
    request = get_request(info)
    replaced = cookie_session(request)

    def log_in() -> tuple[AuthToken, str]:
        if cookie:
            check_cookie_can_be_kept(request)
        return flow()

    session, errors = outcome(log_in)
    if session is None:
        return LoginResult(success=False, errors=errors)
    token, secret = session
    if cookie:
        set_session_cookie(info.context.response, secret, token.expires_at)
        if replaced is not None:
            replaced.delete()  # the browser no longer holds its secret: no orphan session
    return LoginResult(
        success=True, errors=[], token=None if cookie else secret, expires_at=token.expires_at, user=token.user
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
        cookie: Annotated[
            bool | None,
            strawberry.argument(
                description="Set the token as an HttpOnly cookie for this browser instead of returning it."
            ),
        ] = False,
    ) -> LoginResult:
        return login_completing(info, lambda: sessions.login(get_request(info), email, password), cookie=bool(cookie))

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
