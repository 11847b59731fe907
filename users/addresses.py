"""One spelling per mailbox: the one function that normalises an email address.

Every address that enters the service (register, login, reset, resend, the
admin, `createsuperuser`, the manager) passes here, so that addresses which
deliver to one mailbox are one account and share one set of limits:

- Unicode NFKC, so a fullwidth `ａ` is `a`;
- lowercase, whole address: no provider tells local parts apart by case;
- the domain in its IDNA ASCII form (UTS #46), so `bücher.example`,
  `BÜCHER.example` and `xn--bcher-kva.example` are one domain.

Refused outright, since they either hide in an address or let one mailbox wear
several spellings: invisible and control characters (soft hyphen, zero-width
characters, direction overrides, lone surrogates), quoted local parts and
domain literals.
"""

from __future__ import annotations

import unicodedata

import idna
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext

# Control, format (invisible), surrogate, private-use and unassigned characters,
# and separators other than the plain space that strip() removes at the ends.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})


class InvalidAddress(ValueError):
    """An address refused before it reaches an account; the message says why."""


def canonical_email(value: str) -> str:
    """The canonical spelling of the address `value`, or raise `InvalidAddress`."""
    address = unicodedata.normalize("NFKC", value).strip()
    address = unicodedata.normalize("NFKC", address.lower())
    if any(unicodedata.category(char) in REFUSED_CATEGORIES for char in address):
        raise InvalidAddress(gettext("This address holds invisible or control characters."))
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise InvalidAddress(gettext("Enter a valid email address."))
    if local.startswith('"'):
        raise InvalidAddress(gettext("Quoted addresses are not accepted."))
    if domain.startswith("["):
        raise InvalidAddress(gettext("Addresses at an IP address are not accepted."))
    if not domain.isascii() or "xn--" in domain:
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            raise InvalidAddress(gettext("Enter a valid email address.")) from None
    return f"{local}@{domain}"


def validate_address(value: str) -> None:
    """Django's validator form of the rules: a refused address says why, then the syntax."""
    try:
        value = canonical_email(value)
    except InvalidAddress as error:
        raise ValidationError(str(error), code="invalid") from None
    validate_email(value)


def normalized_if_possible(value):
    """Forms normalise before they validate; a refused value is left for the validator."""
    try:
        return canonical_email(value) if value else value
    except InvalidAddress:
        return value


class EmailAddressFormField(forms.EmailField):
    default_validators = [validate_address]

    def to_python(self, value):
        return normalized_if_possible(super().to_python(value))


class EmailAddressField(models.EmailField):
    """A model's address field with these rules, for the admin's forms and
    `createsuperuser`, which clean values through the model field."""

    default_validators = [validate_address]

    def to_python(self, value):
        return normalized_if_possible(super().to_python(value))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": EmailAddressFormField, **kwargs})
