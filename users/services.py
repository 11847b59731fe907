"""The account flows: register, verify, log in, log out, reset and change a password.

Plain functions over Django's request and models that know nothing of GraphQL;
`schema/` only translates between GraphQL and these. A flow either returns its
result or raises a `users.errors.AccountError` (or `AccountErrors`).

Email verification is django-allauth's: its EmailAddress rows, its signed
(HMAC) confirmation keys, its mails and rate limits, reached through
`users.adapter.AccountAdapter`.
"""

from __future__ import annotations

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.conf import settings
from django.contrib.auth import password_validation, user_logged_in
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from users import ratelimits
from users.errors import (
    AccountDisabled,
    AccountError,
    AccountErrors,
    EmailNotVerified,
    ExpiredKey,
    InvalidCredentials,
    InvalidInput,
    InvalidKey,
    NotAuthenticated,
    NotFound,
    PasswordTooWeak,
    RateLimited,
)
from users.models import AuthToken, User, normalize_email
from users.reset_keys import Verdict, reset_keys

EMAIL_MAX_LENGTH = 254
# Keys we hand out are well under this; longer input is refused unparsed.
KEY_MAX_LENGTH = 512


# Input checks shared by the flows.


def clean_email(value: str, *, field: str = "email") -> str:
    email = normalize_email(value)
    if not email:
        raise InvalidInput("Enter an email address.", field=field)
    if len(email) > EMAIL_MAX_LENGTH:
        raise InvalidInput(
            f"An email address has at most {EMAIL_MAX_LENGTH} characters.", field=field
        )
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput("Enter a valid email address.", field=field)
    return email


def check_password_input(password: str, *, field: str = "password") -> None:
    """Refuse empty and over-long passwords before anything hashes them."""
    if not password:
        raise InvalidInput("Enter a password.", field=field)
    if len(password) > settings.PASSWORD_MAX_LENGTH:
        raise InvalidInput(
            f"A password has at most {settings.PASSWORD_MAX_LENGTH} characters.",
            field=field,
        )


def validate_new_password(password: str, user: User, *, field: str = "password") -> None:
    check_password_input(password, field=field)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise PasswordTooWeak(" ".join(error.messages), field=field)


def clean_key(key: str) -> str:
    key = key.strip()
    if not key:
        raise InvalidInput("Enter the key from the link.", field="key")
    if len(key) > KEY_MAX_LENGTH:
        raise InvalidInput("This key is too long to be one of ours.", field="key")
    return key


def collect(*checks) -> list:
    """Run each check, returning their results, or raise every failure at once."""
    results, errors = [], []
    for check in checks:
        try:
            results.append(check())
        except AccountError as error:
            errors.append(error)
    if errors:
        raise AccountErrors(errors)
    return results


# Helpers on the request.


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address: the socket's, or X-Forwarded-For past TRUSTED_PROXY_COUNT."""
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return None


def is_verified(user: User) -> bool:
    return EmailAddress.objects.filter(user=user, email=user.email, verified=True).exists()


def may_mail(request: HttpRequest, email: str) -> bool:
    """Whether an account mail to `email` is within its cooldown (one per address)."""
    try:
        ratelimits.hit(request, "account_mail", key=email)
    except RateLimited:
        return False
    return True


def send_verification(request: HttpRequest, address: EmailAddress, *, signup: bool) -> None:
    """Mail a fresh verification link, at most once per cooldown per address."""
    if may_mail(request, address.email):
        address.send_confirmation(request, signup=signup)


def send_already_registered(request: HttpRequest, email: str) -> None:
    """Tell the owner of `email` that someone tried to register it again."""
    if may_mail(request, email):
        get_adapter(request).send_account_already_exists_mail(email)


# The flows.


def register(request: HttpRequest, email: str, password: str) -> None:
    """Create an unverified account and mail it a verification link.

    A taken address gets the same answer, and its owner gets a mail saying so,
    so the answer tells nobody which addresses have accounts.
    """
    email, _ = collect(
        lambda: clean_email(email),
        lambda: check_password_input(password),
    )
    validate_new_password(password, User(email=email))
    ratelimits.hit(request, "register", key=email)

    if User.objects.filter(email=email).exists():
        make_password(password)  # the work a new account costs, so timing tells nothing
        send_already_registered(request, email)
        return
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password)
            address = EmailAddress.objects.create(
                user=user, email=email, primary=True, verified=False
            )
    except IntegrityError:
        # A concurrent registration of the same address won the race.
        send_already_registered(request, email)
        return
    send_verification(request, address, signup=True)


def verify_email(request: HttpRequest, key: str) -> User:
    """Mark the address behind an emailed key as verified.

    allauth's HMAC keys are signed, timestamped EmailAddress ids. They are
    unsigned here rather than through `EmailConfirmationHMAC.from_key`, which
    folds an expired key and a forged one into the same None: a person whose
    link is merely old should be told to ask for a new one.
    """
    key = clean_key(key)
    ratelimits.hit(request, "verify_email")
    max_age = 60 * 60 * 24 * allauth_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS
    try:
        address_id = signing.loads(key, salt=allauth_settings.SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise ExpiredKey(field="key")
    except signing.BadSignature:
        raise InvalidKey(field="key")
    if not isinstance(address_id, int):
        raise InvalidKey(field="key")
    with transaction.atomic():
        address = (
            EmailAddress.objects.select_for_update()
            .select_related("user")
            .filter(pk=address_id, verified=False)
            .first()
        )
        if address is None or EmailConfirmationHMAC(address).confirm(request) is None:
            raise InvalidKey(field="key")
    return address.user


def resend_verification_email(request: HttpRequest, email: str) -> None:
    """Mail a new link if `email` awaits verification; answer the same either way."""
    email = clean_email(email)
    ratelimits.hit(request, "resend_verification_email")
    address = (
        EmailAddress.objects.select_related("user")
        .filter(email=email, verified=False, user__is_active=True)
        .first()
    )
    if address is not None:
        send_verification(request, address, signup=False)


def login(request: HttpRequest, email: str, password: str) -> tuple[AuthToken, str]:
    """Check the password and issue a new token: one login session.

    Written out rather than through `django.contrib.auth.authenticate`, whose
    backends answer None alike for a wrong password and a deactivated account,
    while the contract tells the rightful owner which of the two it is.
    """
    email, _ = collect(
        lambda: clean_email(email),
        lambda: check_password_input(password),
    )
    ratelimits.hit(request, "login")
    user = User.objects.filter(email=email).first()
    # Counted before the password is checked, so a locked account costs no hashing
    # and the right password cannot get through a lock; refunded on success.
    failure = ratelimits.hit(request, "login_failed", key=login_lock_key(request, email, user))
    if user is None:
        make_password(password)  # as slow as a real check, so timing tells nothing
        raise InvalidCredentials()
    if not user.check_password(password):
        raise InvalidCredentials()
    failure.rollback()
    if not user.is_active:
        raise AccountDisabled()
    # Accounts made outside `register` (the admin, a shell) get their address row here.
    address, _ = EmailAddress.objects.get_or_create(user=user, email=user.email)
    if not address.verified:
        send_verification(request, address, signup=False)
        raise EmailNotVerified()
    with transaction.atomic():
        # Serialised with logoutAll and password changes on the user row, so no
        # token issued before those survives them.
        User.objects.select_for_update().filter(pk=user.pk).first()
        token, secret = AuthToken.objects.issue(
            user,
            user_agent=request.headers.get("User-Agent", ""),
            ip_address=client_ip(request),
        )
    # Django's own receiver records last_login; others may audit.
    user_logged_in.send(sender=User, request=request, user=user)
    # The rest of this request acts as the new session, as django.contrib.auth's
    # login() does: the answer may show the user its own email and sessions.
    request.user, request.auth = user, token
    return token, secret


def login_lock_key(request: HttpRequest, email: str, user: User | None) -> str:
    """What failed logins are counted against: this account from this client IP.

    Bound to the password hash too (through Django's session auth hash, an HMAC
    of it), so that resetting the password lifts every lock on the account.
    """
    password_epoch = user.get_session_auth_hash() if user is not None else ""
    return f"{email}|{client_ip(request)}|{password_epoch}"


def current_token(request: HttpRequest) -> AuthToken:
    """The token this request was made with; its absence means nobody is logged in."""
    token = getattr(request, "auth", None)
    if not isinstance(token, AuthToken):
        raise NotAuthenticated()
    return token


def logout(request: HttpRequest) -> None:
    """Revoke the token this request was made with."""
    current_token(request).delete()


def logout_all(request: HttpRequest) -> None:
    """Revoke every token of the caller, this one included."""
    user = current_token(request).user
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        AuthToken.objects.filter(user=user).delete()


def revoke_session(request: HttpRequest, session_id: str) -> None:
    """Revoke one of the caller's own sessions.

    Someone else's session and one that does not exist answer alike, so ids
    tell nothing about other accounts.
    """
    user = current_token(request).user
    try:
        pk = int(session_id)
    except (TypeError, ValueError):
        raise NotFound("No such session.", field="id")
    if not 0 < pk <= 2**63 - 1:
        raise NotFound("No such session.", field="id")
    deleted, _ = AuthToken.objects.filter(pk=pk, user=user).delete()
    if not deleted:
        raise NotFound("No such session.", field="id")


def send_password_changed(request: HttpRequest, user: User) -> None:
    """Tell the owner, with when and from where, so a change they did not make stands out."""
    get_adapter(request).send_notification_mail("account/email/password_changed", user, email=user.email)


def request_password_reset(request: HttpRequest, email: str) -> None:
    """Mail a reset link to an active account; answer the same for any address.

    The only work that differs between a known and an unknown address is
    rendering the mail, which is sent after the answer (see AccountAdapter).
    """
    email = clean_email(email)
    ratelimits.hit(request, "request_password_reset", key=email)
    user = User.objects.filter(email=email, is_active=True).first()
    if user is not None:
        adapter = get_adapter(request)
        url = adapter.get_reset_password_from_key_url(reset_keys.make_key(user))
        adapter.send_password_reset_mail(user, email, {"user": user, "password_reset_url": url})


def reset_password(request: HttpRequest, key: str, new_password: str) -> None:
    """Set a new password with an emailed key, which this consumes.

    Every token of the account ends (`User.save` sees to it: whoever resets may
    be fleeing an intruder), and it verifies the address the key was sent to: opening the mail
    proved it. The user row is locked while the key is checked and spent, so of
    concurrent resets with one key exactly one succeeds.
    """
    key, _ = collect(
        lambda: clean_key(key),
        lambda: check_password_input(new_password, field="newPassword"),
    )
    ratelimits.hit(request, "reset_password")
    user_id = reset_keys.user_id(key)
    if user_id is None:
        raise InvalidKey(field="key")
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
        if user is None:
            raise InvalidKey(field="key")
        verdict = reset_keys.check(user, key)
        if verdict is Verdict.EXPIRED:
            raise ExpiredKey(field="key")
        if verdict is not Verdict.VALID:
            raise InvalidKey(field="key")
        validate_new_password(new_password, user, field="newPassword")
        user.set_password(new_password)
        user.save(update_fields=["password"])
        address, _ = EmailAddress.objects.get_or_create(user=user, email=user.email)
        if not address.verified:
            EmailConfirmationHMAC(address).confirm(request)
        send_password_changed(request, user)


def change_password(request: HttpRequest, old_password: str, new_password: str) -> None:
    """Change the caller's password; every other session of the account ends."""
    token = current_token(request)
    ratelimits.hit(request, "change_password")
    collect(
        lambda: check_password_input(old_password, field="oldPassword"),
        lambda: check_password_input(new_password, field="newPassword"),
    )
    user = token.user
    if not user.check_password(old_password):
        raise InvalidCredentials("The current password is wrong.", field="oldPassword")
    validate_new_password(new_password, user, field="newPassword")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        user.set_password(new_password, keep_session=token)
        user.save(update_fields=["password"])
        send_password_changed(request, user)
