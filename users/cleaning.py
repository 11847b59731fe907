"""Input cleaning, separate from the flows (as allauth's forms are from its
flows): each cleaner returns the value a flow may use, or raises
`InvalidInput` (or `InvalidKey`, `PasswordTooWeak`) naming the field at fault.
Cheap checks come first, so nothing is hashed or looked up for bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext

from users.addresses import InvalidAddress, canonical_email
from users.errors import AccountError, AccountErrors, InvalidCode, InvalidInput, InvalidKey, PasswordTooWeak
from users.models import MAX_ID

EMAIL_MAX_LENGTH = 254
# Keys we hand out are well under this; longer input is refused unparsed.
KEY_MAX_LENGTH = 512


def is_text(value: str) -> bool:
    """Whether `value` is text a database column and a hash accept: valid Unicode
    (no lone UTF-16 surrogate, which JSON and GraphQL escapes can carry) and no NUL."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def clean_id(value) -> int | None:
    """A row's id as a client sent it, or None: not a whole number, or beyond
    what the column holds (so forged)."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= MAX_ID else None


def clean_email(value: str, *, field: str = "email") -> str:
    """The address in the one spelling the service stores (`users.addresses`)."""
    if not value.strip():
        raise InvalidInput(gettext("Enter an email address."), field=field)
    try:
        email = canonical_email(value)
    except InvalidAddress as error:
        raise InvalidInput(str(error), field=field) from None
    if len(email) > EMAIL_MAX_LENGTH:
        raise InvalidInput(
            gettext("An email address has at most %(count)d characters.") % {"count": EMAIL_MAX_LENGTH}, field=field
        )
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(gettext("Enter a valid email address."), field=field) from None
    return email


def clean_password(password: str, *, field: str = "password") -> str:
    """Refuse empty and over-long passwords before anything hashes them."""
    if not password:
        raise InvalidInput(gettext("Enter a password."), field=field)
    if len(password) > settings.PASSWORD_MAX_LENGTH:
        raise InvalidInput(
            gettext("A password has at most %(count)d characters.") % {"count": settings.PASSWORD_MAX_LENGTH},
            field=field,
        )
    if not is_text(password):
        raise InvalidInput(gettext("This password holds characters that are not text."), field=field)
    return password


def clean_new_password(password: str, user, *, field: str = "password") -> str:
    """A password the validators (AUTH_PASSWORD_VALIDATORS) accept for `user`."""
    clean_password(password, field=field)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise PasswordTooWeak(" ".join(error.messages), field=field) from None
    return password


def clean_key(key: str, *, field: str = "key", missing: str = "") -> str:
    """A key we handed out (an emailed link's, an mfaToken), trimmed; parsing and
    checking it is the flow's."""
    key = key.strip()
    if not key:
        raise InvalidInput(missing or gettext("Enter the key from the link."), field=field)
    if len(key) > KEY_MAX_LENGTH:
        raise InvalidInput(gettext("This key is too long to be one of ours."), field=field)
    if not (key.isascii() and key.isprintable()):
        # Every key we hand out is printable ASCII (signed base64 or base36):
        # anything else is malformed, which the contract calls INVALID_KEY.
        raise InvalidKey(field=field)
    return key


# TOTP codes have 6 digits, recovery codes 8; people may type spaces or dashes.
CODE_MAX_LENGTH = 32
NAME_MAX_LENGTH = 64


def clean_code(code: str, *, field: str = "code") -> str:
    """A one-time code as typed (allauth's comparison ignores spaces and dashes)."""
    code = code.strip()
    if not code:
        raise InvalidInput(gettext("Enter the code."), field=field)
    if len(code) > CODE_MAX_LENGTH or not (code.isascii() and code.isprintable()):
        raise InvalidCode(field=field)
    return code


def clean_name(name: str, *, field: str = "name") -> str:
    """A name a person gives a thing (a security key), trimmed; may be empty."""
    name = name.strip()
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidInput(
            gettext("A name has at most %(count)d characters.") % {"count": NAME_MAX_LENGTH}, field=field
        )
    if not (is_text(name) and name.isprintable()):
        raise InvalidInput(gettext("This name holds characters that are not text."), field=field)
    return name


def clean_all(*cleaners: Callable[[], Any]) -> list:
    """Run every cleaner, returning their values, or raise all their failures at
    once (`AccountErrors`), so the caller can fix every field in one go."""
    values, failures = [], []
    for cleaner in cleaners:
        try:
            values.append(cleaner())
        except AccountError as failure:
            failures.append(failure)
    if failures:
        raise AccountErrors(failures)
    return values
