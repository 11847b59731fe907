"""Signing up and verifying an address: register, verifyEmail, resendVerificationEmail.

Email verification is django-allauth's: its EmailAddress rows, its signed
(HMAC) confirmation keys and its mails, reached through `users.adapter`.
"""

from __future__ import annotations

from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext

from users import ratelimits, signed_keys
from users.cleaning import clean_all, clean_email, clean_key, clean_new_password, clean_password
from users.errors import InvalidKey
from users.events import EventType, announce
from users.jobs import job, origin, replayed
from users.mail import send_already_registered, send_verification
from users.models import User


def register(request: HttpRequest, email: str, password: str, *, continue_to: str = "") -> None:
    """Create an unverified account and mail it a verification link.

    A taken address gets the same answer, and its owner gets a mail saying so.
    Before the answer only what does not depend on the address runs (checks,
    the limit, hashing the password); whether it is taken is looked up by a
    job (users.jobs), queued by the same one INSERT for any address, so neither
    the answer nor its timing tells anyone, and a crash loses no registration.
    `continue_to`, a path of this service (the authorization of an application
    that sent the person to sign up), rides in the verification link.
    """
    email, password = clean_all(lambda: clean_email(email), lambda: clean_password(password))
    clean_new_password(password, User(email=email))
    ratelimits.hit(request, "register")
    create_account.enqueue(origin(request), email, make_password(password), continue_to)


@job
def create_account(origin: dict, email: str, password_hash: str, continue_to: str = "") -> None:
    with replayed(origin) as request:
        make_account(request, email, password_hash, continue_to)


def make_account(request: HttpRequest, email: str, password_hash: str, continue_to: str = "") -> None:
    if User.objects.filter(email=email).exists():
        send_already_registered(request, email)
        return
    try:
        with transaction.atomic():
            user = User.objects.create(email=email, password=password_hash)
            address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    except IntegrityError:
        # A concurrent registration of the same address won the race.
        send_already_registered(request, email)
        return
    announce(EventType.USER_REGISTERED, user=user, request=request)
    request.verification_continues_to = continue_to  # the link's (users.adapter)
    send_verification(request, address, signup=True)


def verification_address_id(key: str) -> int:
    """The EmailAddress id an emailed verification key names, or raise.

    allauth's HMAC keys are signed, timestamped EmailAddress ids. They are
    unsigned here rather than through `EmailConfirmationHMAC.from_key`, which
    folds an expired key and a forged one into the same None.
    """
    max_age = 60 * 60 * 24 * allauth_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS
    address_id = signed_keys.loads(key, salt=allauth_settings.SALT, max_age=max_age)
    if not isinstance(address_id, int):
        raise InvalidKey(field="key")
    return address_id


def pending_address(key: str) -> EmailAddress:
    """The address a verification key would confirm, read without spending it
    (the landing page shows it before the person clicks)."""
    address = EmailAddress.objects.filter(pk=verification_address_id(key), verified=False).first()
    if address is None:
        raise InvalidKey(field="key")
    return address


def verify_email(request: HttpRequest, key: str) -> User:
    """Mark the address behind an emailed key as verified."""
    key = clean_key(key)
    ratelimits.hit(request, "verify_email")
    address_id = verification_address_id(key)
    with transaction.atomic():
        address = (
            EmailAddress.objects.select_for_update()
            .select_related("user")
            .filter(pk=address_id, verified=False, user__is_active=True)
            .first()
        )
        if address is None:
            raise InvalidKey(field="key")
        taken = InvalidKey(gettext("This address now belongs to another account."), field="key")
        if address.email != address.user.email and User.objects.filter(email=address.email).exists():
            raise taken  # a change of address (users/account.py) to one registered since
        try:
            with transaction.atomic():
                confirmed = EmailConfirmationHMAC(address).confirm(request)
        except IntegrityError:
            raise taken from None  # registered in the moment since the check
        if confirmed is None:
            raise InvalidKey(field="key")
    return address.user


def resend_verification_email(request: HttpRequest, email: str) -> None:
    """Mail a new link if `email` awaits verification; answer the same either way,
    in the same time (the lookup is a queued job)."""
    email = clean_email(email)
    ratelimits.hit(request, "resend_verification_email")
    mail_verification_link.enqueue(origin(request), email)


@job
def mail_verification_link(origin: dict, email: str) -> None:
    # The account's own address only: a pending change to `email` (users/account.py)
    # belongs to whoever asked for it, and its link goes out from there alone.
    address = (
        EmailAddress.objects.select_related("user")
        .filter(email=email, user__email=email, verified=False, user__is_active=True)
        .first()
    )
    if address is not None:
        with replayed(origin) as request:
            send_verification(request, address, signup=False)
