"""Account life: deleteAccount.

Deleting an account is immediate and whole: one transaction removes the user
row, and with it, by the database's own cascades, its sessions, factors,
addresses, pending logins and the tokens applications hold. Its security
events stay for auditors, with no account and no address or browser to them.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.db import transaction
from django.http import HttpRequest

from audit.events import EventType
from audit.log import record
from audit.models import SecurityEvent
from users.locking import lock_user
from users.sessions import recent_session


def delete_account(request: HttpRequest) -> None:
    """Delete the caller's account (a recent login or reauthenticate needed),
    and send its address a last notice."""
    user = recent_session(request).user
    with transaction.atomic():
        # Serialised with logins: one waiting on this row finds no account after.
        lock_user(user, as_read=False)
        record(EventType.ACCOUNT_DELETED, user=user, request=request)
        SecurityEvent.objects.filter(user=user).update(user=None, ip_address=None, user_agent="")
        email = user.email
        user.delete()
    get_adapter(request).send_notification_mail("account/email/account_deleted", user, email=email)
