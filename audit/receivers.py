"""Security events recorded where they are announced: the core's own
(`users.events.security_event`, which the flows of users/ and factors/ send),
and those a Django or allauth signal announces. Second factors: MFA_ENABLED
when an authenticator app is added, PASSKEY_ADDED for a key,
AUTHENTICATOR_REMOVED for either removed, and MFA_DISABLED when the last of
them goes.
"""

from __future__ import annotations

from allauth.account.signals import email_changed, email_confirmed, password_changed, password_reset
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset, authenticator_used
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from audit.log import record, record_each
from audit.models import SecurityEvent
from factors import stage
from users.events import EventType, security_event, security_events
from users.models import User

ADDED = {Authenticator.Type.TOTP: EventType.MFA_ENABLED, Authenticator.Type.WEBAUTHN: EventType.PASSKEY_ADDED}


@receiver(security_event)
def announced(sender, event_type, user, request=None, actor=None, **kwargs) -> None:
    record(event_type, user=user, request=request, actor=actor)


@receiver(security_events)
def announced_each(sender, event_type, users, **kwargs) -> None:
    record_each(event_type, users)


@receiver(user_logged_in)
def logged_in(sender, request, user, **kwargs) -> None:
    record(EventType.LOGIN, user=user, request=request)


@receiver(user_logged_out)
def logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(EventType.LOGOUT, user=user, request=request)


@receiver(email_confirmed)
def email_verified(sender, request, email_address, **kwargs) -> None:
    owner = email_address.user  # staff may mark it verified in the admin
    record(EventType.EMAIL_VERIFIED, user=owner, request=request, actor=staff_actor(request, owner))


@receiver(email_changed)
def changed_email(sender, request, user, from_email_address, to_email_address, **kwargs) -> None:
    if from_email_address is not None:  # a first verification is no change
        record(EventType.EMAIL_CHANGED, user=user, request=request)


@receiver(password_changed)
def changed_password(sender, request, user, **kwargs) -> None:
    record(EventType.PASSWORD_CHANGED, user=user, request=request, actor=staff_actor(request, user))


@receiver(password_reset)
def reset_password(sender, request, user, **kwargs) -> None:
    record(EventType.PASSWORD_RESET, user=user, request=request)


@receiver(authenticator_added)
def factor_added(sender, request, user, authenticator, **kwargs) -> None:
    if authenticator.type in ADDED:
        record(ADDED[authenticator.type], user=user, request=request)


@receiver(authenticator_removed)
def factor_removed(sender, request, user, authenticator, **kwargs) -> None:
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        return  # they go with the last second factor, whose removal is the event
    # allauth names whoever removed it as `user`, staff too: the account is the factor's.
    owner = authenticator.user
    actor = staff_actor(request, owner)
    record(EventType.AUTHENTICATOR_REMOVED, user=owner, request=request, actor=actor)
    if authenticator.type in stage.SECOND_FACTORS and not stage.needs_second_factor(owner):
        record(EventType.MFA_DISABLED, user=owner, request=request, actor=actor)


@receiver(authenticator_reset)
def codes_regenerated(sender, request, user, authenticator, **kwargs) -> None:
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        record(EventType.RECOVERY_CODES_REGENERATED, user=user, request=request)


@receiver(authenticator_used)
def factor_used(sender, request, user, authenticator, **kwargs) -> None:
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        record(EventType.RECOVERY_CODE_USED, user=user, request=request)


def staff_actor(request, owner):
    """The staff member acting on `owner`'s account in this request, if it is not the owner."""
    acting = getattr(request, "user", None)
    if acting is not None and getattr(acting, "is_authenticated", False) and acting.pk != owner.pk:
        return acting
    return None


@receiver(pre_delete, sender=User)
def forget_the_account(sender, instance: User, **kwargs) -> None:
    """However an account is deleted (deleteAccount, the admin, a shell), its events
    stay without it and without where they came from: no personal data is left."""
    SecurityEvent.objects.filter(user=instance).update(user=None, ip_address=None, user_agent="")
    SecurityEvent.objects.filter(actor=instance).update(actor=None, ip_address=None, user_agent="")
