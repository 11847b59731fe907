"""Addresses get one spelling per mailbox (users/addresses.py): stored rows are
brought to it, so that a login typed in the new spelling finds them."""

import unicodedata

import idna
from django.db import IntegrityError, migrations, transaction

import users.addresses

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})


def normalized(value):
    """users.addresses.canonical_email as it was when this migration was written
    (frozen: a later change of the rules needs a migration of its own); None for
    an address those rules refuse."""
    address = unicodedata.normalize("NFKC", value).strip()
    address = unicodedata.normalize("NFKC", address.lower())
    if any(unicodedata.category(char) in REFUSED_CATEGORIES for char in address):
        return None
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or local.startswith('"') or domain.startswith("["):
        return None
    if not domain.isascii() or "xn--" in domain:
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return None
    return f"{local}@{domain}"


def renormalize(apps, schema_editor):
    """Each account with its address rows, or neither: one that would take another's
    address, or that the rules refuse, is reported and kept as it is."""
    User = apps.get_model("users", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    for user in User.objects.only("pk", "email").iterator():
        email = normalized(user.email)
        if email == user.email:
            continue
        try:
            if email is None:
                raise IntegrityError("refused by the new rules")
            with transaction.atomic():
                User.objects.filter(pk=user.pk).update(email=email)
                EmailAddress.objects.filter(user_id=user.pk, email=user.email).update(email=email)
        except IntegrityError as error:
            print(f"\n  user {user.pk}: {user.email!r} kept as it is ({error})")


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0001_initial"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="email",
            field=users.addresses.EmailAddressField(max_length=254, unique=True, verbose_name="email address"),
        ),
        migrations.RunPython(renormalize, migrations.RunPython.noop),
    ]
