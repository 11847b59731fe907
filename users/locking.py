"""Row locks that serialise the flows acting on one account."""

from __future__ import annotations

from users.errors import InvalidCredentials
from users.models import User


def lock_user(user: User, *, as_read: bool = True) -> None:
    """Lock the user's row for the rest of the transaction (on SQLite, immediate
    transactions lock the database alike), so flows on one account serialise
    (login, logoutAll, password changes, deactivation).

    `as_read`: the account must still be as `user` was read (the same password,
    still active), or the flow acted on a password that is no longer the account's.
    """
    row = User.objects.select_for_update().filter(pk=user.pk).values_list("password", "is_active").first()
    if as_read and row != (user.password, True):
        raise InvalidCredentials()
