"""What happens to an account, as the core tells it: the kinds of security
event (the contract's SecurityEventType; the GraphQL enum is derived from this
one, as ErrorCode's is) and the one signal that announces each.

The core writes no record itself: `audit` listens and writes the row and its
log line; any other app may listen as well. Receivers run in the flow, inside
its transaction: an event whose row cannot be written fails the flow, as a
row of the flow's own would.
"""

from __future__ import annotations

from enum import StrEnum

from django.dispatch import Signal


class EventType(StrEnum):
    LOGIN = "LOGIN"
    LOGIN_FAILED = "LOGIN_FAILED"
    LOGIN_LOCKED = "LOGIN_LOCKED"
    LOGOUT = "LOGOUT"
    SESSION_REVOKED = "SESSION_REVOKED"
    PASSWORD_CHANGED = "PASSWORD_CHANGED"
    PASSWORD_RESET_REQUESTED = "PASSWORD_RESET_REQUESTED"
    PASSWORD_RESET = "PASSWORD_RESET"
    EMAIL_VERIFIED = "EMAIL_VERIFIED"
    EMAIL_CHANGE_REQUESTED = "EMAIL_CHANGE_REQUESTED"
    EMAIL_CHANGED = "EMAIL_CHANGED"
    MFA_ENABLED = "MFA_ENABLED"
    MFA_DISABLED = "MFA_DISABLED"
    MFA_FAILED = "MFA_FAILED"
    RECOVERY_CODE_USED = "RECOVERY_CODE_USED"
    RECOVERY_CODES_REGENERATED = "RECOVERY_CODES_REGENERATED"
    PASSKEY_ADDED = "PASSKEY_ADDED"
    AUTHENTICATOR_REMOVED = "AUTHENTICATOR_REMOVED"
    REAUTHENTICATED = "REAUTHENTICATED"
    ACCOUNT_DISABLED = "ACCOUNT_DISABLED"
    ACCOUNT_ENABLED = "ACCOUNT_ENABLED"
    ACCOUNT_DELETED = "ACCOUNT_DELETED"
    APPLICATION_REVOKED = "APPLICATION_REVOKED"
    USER_REGISTERED = "USER_REGISTERED"  # an account was made: register, or a first external sign-in
    USER_IMPORTED = "USER_IMPORTED"  # manage.py import_users made the account
    EXTERNAL_LOGIN = "EXTERNAL_LOGIN"  # signed in through another identity provider
    IDENTITY_LINKED = "IDENTITY_LINKED"
    IDENTITY_UNLINKED = "IDENTITY_UNLINKED"
    # Beyond the contract's list: staff lifting the brute-force locks (clearLoginLocks).
    LOGIN_LOCKS_CLEARED = "LOGIN_LOCKS_CLEARED"
    # Beyond the contract's list: a spent refresh token presented again, which
    # ended its chain of tokens at that application (provider/refresh.py).
    REFRESH_TOKEN_REUSED = "REFRESH_TOKEN_REUSED"


# Sent with event_type, user (the account it is about), request (None outside
# one) and actor (the staff member who acted, else None).
security_event = Signal()


# Sent with event_type and users: one event for each, at once (an import's batch).
security_events = Signal()


def announce_each(event_type: EventType, users: list) -> None:
    """Tell whoever listens that `event_type` happened to each of `users`, in one go."""
    security_events.send(sender=EventType, event_type=event_type, users=users)


def announce(event_type: EventType, *, user, request=None, actor=None) -> None:
    """Tell whoever listens that `event_type` happened to `user`."""
    security_event.send(sender=EventType, event_type=event_type, user=user, request=request, actor=actor)
