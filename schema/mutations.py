"""Mutations: each one calls a flow of `users.services` and reports how it went."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import strawberry
from strawberry.types import Info

from schema.context import request_of
from schema.errors import UserError, user_errors
from schema.types import LoginResult, Result
from users import services
from users.errors import AccountError, AccountErrors


T = TypeVar("T")


def attempt(flow: Callable[[], T]) -> tuple[T | None, list[UserError]]:
    """Run a flow; return its value, or the payload errors its failure maps to."""
    try:
        return flow(), []
    except (AccountError, AccountErrors) as failure:
        return None, user_errors(failure)


def run(flow: Callable[[], object]) -> Result:
    _, errors = attempt(flow)
    return Result(success=not errors, errors=errors)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create an account and email it a verification link.")
    def register(self, info: Info, email: str, password: str) -> Result:
        return run(lambda: services.register(request_of(info), email, password))

    @strawberry.mutation(description="Verify an email address with the key from its link.")
    def verify_email(self, info: Info, key: str) -> Result:
        return run(lambda: services.verify_email(request_of(info), key))

    @strawberry.mutation(description="Email a new verification link, if one is awaited.")
    def resend_verification_email(self, info: Info, email: str) -> Result:
        return run(lambda: services.resend_verification_email(request_of(info), email))

    @strawberry.mutation(description="Exchange email and password for a new token.")
    def login(self, info: Info, email: str, password: str) -> LoginResult:
        session, errors = attempt(lambda: services.login(request_of(info), email, password))
        if session is None:
            return LoginResult(success=False, errors=errors)
        token, secret = session
        return LoginResult(
            success=True, errors=[], token=secret, expires_at=token.expires_at, user=token.user
        )

    @strawberry.mutation(description="Revoke the token this request was made with.")
    def logout(self, info: Info) -> Result:
        return run(lambda: services.logout(request_of(info)))

    @strawberry.mutation(description="Revoke every token of the caller.")
    def logout_all(self, info: Info) -> Result:
        return run(lambda: services.logout_all(request_of(info)))

    @strawberry.mutation(description="Revoke one of the caller's own sessions.")
    def revoke_session(self, info: Info, id: strawberry.ID) -> Result:
        return run(lambda: services.revoke_session(request_of(info), id))

    @strawberry.mutation(description="Email a password reset link, if the address has an account.")
    def request_password_reset(self, info: Info, email: str) -> Result:
        return run(lambda: services.request_password_reset(request_of(info), email))

    @strawberry.mutation(
        description="Let this network sign in to an account past its account-wide lock, "
        "with the key from the link mailed to its owner."
    )
    def unlock_account(self, info: Info, key: str) -> Result:
        return run(lambda: services.unlock_account(request_of(info), key))

    @strawberry.mutation(description="Set a new password with the key from a reset link.")
    def reset_password(self, info: Info, key: str, new_password: str) -> Result:
        return run(lambda: services.reset_password(request_of(info), key, new_password))

    @strawberry.mutation(description="Change the caller's password; other sessions end.")
    def change_password(self, info: Info, old_password: str, new_password: str) -> Result:
        return run(lambda: services.change_password(request_of(info), old_password, new_password))
