"""The account flows: register, verify, log in, log out, reset and change a password.

Plain functions over Django's request and models that know nothing of GraphQL;
`schema/` only translates between GraphQL and these. A flow either returns its
result or raises a `users.errors.AccountError` (or `AccountErrors`).

Email verification is django-allauth's: its EmailAddress rows, its signed
(HMAC) confirmation keys, its mails and rate limits, reached through
`users.adapter.AccountAdapter`.
"""

from __future__ import annotations

from functools import partial

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.conf import settings
from django.contrib.auth import password_validation, user_logged_in
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from users import credentials, ratelimits, signed_keys
from users.adapter import UNKNOWN_IP
from users.background import after_answer
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
from users.addresses import InvalidAddress, normalize_email
from users.models import AuthToken, User
from users.reset_keys import Verdict, reset_keys

EMAIL_MAX_LENGTH = 254
# Keys we hand out are well under this; longer input is refused unparsed.
KEY_MAX_LENGTH = 512


# Input checks shared by the flows.


def is_text(value: str) -> bool:
    """Whether `value` is text a database column and a hash accept: valid Unicode
    (no lone UTF-16 surrogate, which JSON and GraphQL escapes can carry) and no NUL."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def clean_email(value: str, *, field: str = "email") -> str:
    if not value.strip():
        raise InvalidInput("Enter an email address.", field=field)
    try:
        email = normalize_email(value)
    except InvalidAddress as error:
        raise InvalidInput(str(error), field=field)
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
    if not is_text(password):
        raise InvalidInput("This password holds characters that are not text.", field=field)


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
    if not (key.isascii() and key.isprintable()):
        # Every key we hand out is printable ASCII (signed base64 or base36):
        # anything else is malformed, which the contract calls INVALID_KEY.
        raise InvalidKey(field="key")
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
    """The caller's address (see AccountAdapter.get_client_ip), None if unknown."""
    ip = get_adapter(request).get_client_ip(request)
    return None if ip == UNKNOWN_IP else ip


def is_verified(user: User) -> bool:
    return EmailAddress.objects.filter(user=user, email=user.email, verified=True).exists()


def may_mail(request: HttpRequest, kind: str, email: str) -> bool:
    """Whether a mail of `kind` to `email` is within its cooldown: one per
    address per EMAIL_COOLDOWN_SECONDS, silently, so nobody floods an inbox
    through the API and nobody can stop its owner's mail either (a link sent
    for a stranger's request is in the owner's inbox and still valid)."""
    try:
        ratelimits.hit(request, "account_mail", key=f"{kind}|{email}")
    except RateLimited:
        return False
    return True


def send_verification(request: HttpRequest, address: EmailAddress, *, signup: bool) -> None:
    """Mail a fresh verification link, at most once per cooldown per address."""
    if may_mail(request, "account", address.email):
        address.send_confirmation(request, signup=signup)


def send_already_registered(request: HttpRequest, email: str) -> None:
    """Tell the owner of `email` that someone tried to register it again."""
    if may_mail(request, "account", email):
        get_adapter(request).send_account_already_exists_mail(email)


# The flows.


def register(request: HttpRequest, email: str, password: str) -> None:
    """Create an unverified account and mail it a verification link.

    A taken address gets the same answer, and its owner gets a mail saying so.
    Before the answer only what does not depend on the address runs (checks,
    the limit, hashing the password); whether it is taken is looked up after
    (users.background), so neither the answer nor its timing tells anyone.
    """
    email, _ = collect(
        lambda: clean_email(email),
        lambda: check_password_input(password),
    )
    validate_new_password(password, User(email=email))
    ratelimits.hit(request, "register")
    after_answer(partial(create_account, request, email, make_password(password)))


def create_account(request: HttpRequest, email: str, password_hash: str) -> None:
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
            .filter(pk=address_id, verified=False)
            .first()
        )
        if address is None or EmailConfirmationHMAC(address).confirm(request) is None:
            raise InvalidKey(field="key")
    return address.user


def resend_verification_email(request: HttpRequest, email: str) -> None:
    """Mail a new link if `email` awaits verification; answer the same either way,
    in the same time (the lookup runs after the answer)."""
    email = clean_email(email)
    ratelimits.hit(request, "resend_verification_email")
    after_answer(partial(mail_verification_link, request, email))


def mail_verification_link(request: HttpRequest, email: str) -> None:
    address = (
        EmailAddress.objects.select_related("user")
        .filter(email=email, verified=False, user__is_active=True)
        .first()
    )
    if address is not None:
        send_verification(request, address, signup=False)


def login(request: HttpRequest, email: str, password: str) -> tuple[AuthToken, str]:
    """Check the password and issue a new token: one login session.

    The password passes the one gate (`users.credentials.check`) with its locks;
    then, unlike `django.contrib.auth.authenticate`, whose backends answer None
    alike for a wrong password and a deactivated account, the rightful owner is
    told which of the two it is.
    """
    email, _ = collect(
        lambda: clean_email(email),
        lambda: check_password_input(password),
    )
    user = credentials.check(request, email, password)
    if not user.is_active:
        raise AccountDisabled()
    # Accounts made outside `register` (the admin, a shell) get their address row here.
    address, _ = EmailAddress.objects.get_or_create(user=user, email=user.email)
    if not address.verified:
        send_verification(request, address, signup=False)
        raise EmailNotVerified()
    with transaction.atomic():
        # Serialised with logoutAll, password changes and deactivation, so no
        # token issued before those survives them (it is bound to the password too).
        lock_user(user)
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


def lock_user(user: User, *, as_read: bool = True) -> None:
    """Lock the user's row for the rest of the transaction (on SQLite, immediate
    transactions lock the database alike), so flows on one account serialise.
    `as_read`: the account must still be as `user` was read (the same password,
    still active), or the flow acted on a password that is no longer the account's.
    """
    row = User.objects.select_for_update().filter(pk=user.pk).values_list("password", "is_active").first()
    if as_read and row != (user.password, True):
        raise InvalidCredentials()


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
        lock_user(user, as_read=False)
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
    """Tell the owner, with when and from where, so a change they did not make
    stands out. Written after the answer: describing the browser takes a parse."""
    adapter = get_adapter(request)
    after_answer(partial(adapter.send_notification_mail, "account/email/password_changed", user, email=user.email))


def request_password_reset(request: HttpRequest, email: str) -> None:
    """Mail a reset link to an active account; answer the same for any address,
    in the same time: the lookup, the key and the mail come after the answer."""
    email = clean_email(email)
    ratelimits.hit(request, "request_password_reset")
    after_answer(partial(mail_reset_link, request, email))


def mail_reset_link(request: HttpRequest, email: str) -> None:
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None or not may_mail(request, "password_reset", email):
        return
    adapter = get_adapter(request)
    url = adapter.get_reset_password_from_key_url(reset_keys.make_key(user))
    adapter.send_password_reset_mail(user, email, {"user": user, "password_reset_url": url})


def unlock_account(request: HttpRequest, key: str) -> None:
    """Let the caller's network past the account-wide lock, with the emailed key."""
    key = clean_key(key)
    ratelimits.hit(request, "unlock_account")
    credentials.unlock(request, credentials.user_of_unlock_key(key))


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
    try:
        user = credentials.check(request, token.user.email, old_password)
    except InvalidCredentials:
        raise InvalidCredentials("The current password is wrong.", field="oldPassword")
    validate_new_password(new_password, user, field="newPassword")
    with transaction.atomic():
        # A reset or logoutAll that committed since the check wins: the password
        # checked must still be the account's, and this session still alive.
        lock_user(user)
        if not AuthToken.objects.filter(pk=token.pk).exists():
            raise NotAuthenticated()
        user.set_password(new_password, keep_session=token)
        user.save(update_fields=["password"])
        send_password_changed(request, user)
