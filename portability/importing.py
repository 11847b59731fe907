"""manage.py import_users: accounts from a file of Auth0's formats
(portability/auth0.py), a row at a time, so memory stays flat for any size.

Each row is its own unit: a savepoint inside a batch's transaction (one commit
per BATCH rows, as a commit per row would cost a disk flush each), so a row
that fails changes nothing and the others go on. An account is found by its
id at the source, else by its address (the one normaliser's spelling): the
same file again creates nothing, a changed row updates. What the import wrote
(a password hash, an address, a block) it changes again only while the
account still has it: a password changed here, or the hash its first login
upgraded, is never put back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import BinaryIO

import ijson
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.db import IntegrityError, transaction

from portability.auth0 import Account, RowError, read
from portability.models import Profile
from users import tokens
from users.events import EventType, announce, announce_each
from users.models import User

BATCH = 500


class FileUnreadable(ValueError):
    """The file, or what is left of it, is not rows of JSON: exit status 2."""


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[dict] = field(default_factory=list)
    stopped: str | None = None  # why the rest of the file could not be read

    def as_json(self) -> dict:
        answer = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "failed": self.failed}
        if self.stopped:
            answer["stopped"] = self.stopped
        return answer

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.failed)


def rows(stream: BinaryIO) -> Iterator[tuple[int, object]]:
    """(line, row) for newline-delimited JSON, (position, row) for a JSON
    array; a line that is not JSON comes as a RowError in place of its row."""
    first = stream.read(1)
    while first and first.isspace():
        first = stream.read(1)
    if first == b"[":
        stream.seek(stream.tell() - 1)
        position = 0
        try:
            for position, row in enumerate(ijson.items(stream, "item", use_float=True), 1):  # noqa: B007
                yield position, row
        except ijson.JSONError as error:
            raise FileUnreadable(f"The JSON array is broken after row {position}: {error}") from None
        return
    stream.seek(stream.tell() - len(first))
    read_one = False
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (ValueError, UnicodeDecodeError) as error:
            if not read_one:  # not a line of JSON first: not this format at all
                raise FileUnreadable(f"Line {number} is not JSON: neither JSON lines nor a JSON array.") from None
            yield number, RowError(f"The line is not JSON: {error}")
        else:
            read_one = True
            yield number, row


def password_digest(encoded: str) -> str:
    return tokens.digest(encoded or "")


def new_user(account: Account) -> User:
    user = User(email=account.email, is_active=not account.blocked)
    if account.password:
        user.password = account.password
    else:
        user.set_unusable_password()  # the person resets it
    return user


def create(account: Account, *, record: bool = True) -> User:
    user = new_user(account)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=account.email_verified, primary=True)
    Profile.objects.create(user=user, source_id=account.user_id, **written(account, user))
    if record:
        announce(EventType.USER_IMPORTED, user=user)
    return user


def written(account: Account, user: User) -> dict:
    """The profile's fields for `account`, with what the import wrote of `user`."""
    return {
        "given_name": account.given_name,
        "family_name": account.family_name,
        "name": account.name,
        "user_metadata": account.user_metadata,
        "app_metadata": account.app_metadata,
        "imported_password_digest": password_digest(user.password) if account.password else "",
        "imported_email": user.email,
        "imported_blocked": account.blocked,
    }


def update(account: Account, user: User, profile: Profile | None) -> bool:
    """Bring `user` to `account` where the import may; whether anything changed."""
    changed = []
    owns = profile is not None  # what an earlier import wrote, the import may write again
    # A hash the import wrote it may replace; a password set here (or an upgraded hash) never.
    still_imported = not user.has_usable_password() or (
        owns and profile.imported_password_digest == password_digest(user.password)
    )
    if account.password and account.password != user.password and still_imported:
        user.password = account.password
        changed.append("password")
    if account.email != user.email and owns and profile.imported_email == user.email:
        if User.objects.filter(email=account.email).exclude(pk=user.pk).exists():
            raise RowError("The new address belongs to another account.")
        # The address moved at the source: its row here moves with it, verified as the row says.
        EmailAddress.objects.filter(user=user).delete()
        user.email = account.email
        changed.append("email")
    # A block the import wrote it may lift; an account it did not make it may block, never enable.
    may_set = profile.imported_blocked == (not user.is_active) if owns else account.blocked
    if account.blocked == user.is_active and may_set:
        user.is_active = not account.blocked
        changed.append("is_active")
    if changed:
        user.save(update_fields=changed)  # a new password or a block ends the sessions (User.save)
    address = EmailAddress.objects.filter(user=user, email=user.email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=user.email, verified=account.email_verified, primary=True)
        changed.append("address")
    elif account.email_verified and not address.verified:
        address.verified = True  # never unverified: the person may have verified it here since
        address.save(update_fields=["verified"])
        changed.append("verified")
    fields = written(account, user)
    if profile is None:
        source_id = account.user_id if not Profile.objects.filter(source_id=account.user_id).exists() else None
        Profile.objects.create(user=user, source_id=source_id, **fields)
        return True
    if "password" not in changed:
        fields["imported_password_digest"] = profile.imported_password_digest
    new = {key: value for key, value in fields.items() if getattr(profile, key) != value}
    if profile.source_id is None and account.user_id and not Profile.objects.filter(source_id=account.user_id).exists():
        new["source_id"] = account.user_id
    if new:
        Profile.objects.filter(pk=profile.pk).update(**new)
        changed.extend(new)
    return bool(changed)


def add_totp(account: Account, user: User) -> bool:
    """The account's authenticator app, from the row's TOTP secret, encrypted as
    every factor's (allauth's adapter); an account that has one keeps it."""
    if not account.totp_secret or Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return False
    TOTP.activate(user, account.totp_secret)
    return True


def apply(account: Account, *, record: bool = True) -> str:
    """Create or update the account `account` describes: "created", "updated" or "unchanged"."""
    profile = None
    if account.user_id:
        profile = Profile.objects.select_related("user").filter(source_id=account.user_id).first()
    user = profile.user if profile is not None else User.objects.filter(email=account.email).first()
    if user is None:
        add_totp(account, create(account, record=record))
        return "created"
    if profile is None:
        profile = Profile.objects.filter(user=user).first()
    changed = update(account, user, profile)
    return "updated" if add_totp(account, user) or changed else "unchanged"


def import_rows(numbered: Iterator[tuple[int, object]], *, dry_run: bool = False, progress=None) -> Summary:
    """Import every row; with `dry_run`, check and count in one transaction
    rolled back at the end, recording no event (whose log lines would wait
    for a commit that never comes, in memory)."""
    summary = Summary()
    with transaction.atomic() if dry_run else nullcontext():
        batch = []
        try:
            for line, row in numbered:
                batch.append((line, row))
                if len(batch) == BATCH:
                    run_batch(batch, summary, progress, record=not dry_run)
                    batch = []
        except FileUnreadable as error:
            summary.stopped = str(error)
        run_batch(batch, summary, progress, record=not dry_run)
        if dry_run:
            transaction.set_rollback(True)
    return summary


def run_batch(batch: list[tuple[int, object]], summary: Summary, progress, *, record: bool = True) -> None:
    """One transaction for `batch`: the accounts it makes in a few bulk
    statements, the rest (updates, and all of them should a bulk one be
    refused) a row at a time, each in its savepoint."""
    with transaction.atomic():
        accounts = []
        for line, row in batch:
            try:
                if isinstance(row, RowError):
                    raise row
                accounts.append((line, email_of(row), read(row)))
            except RowError as error:
                summary.failed.append({"line": line, "email": email_of(row), "reason": str(error)})
        new, others = split_new(accounts)
        if new and create_many([account for _, _, account in new], record=record):
            summary.created += len(new)
        else:
            others = sorted(new + others, key=lambda item: item[0])
        for line, email, account in others:
            try:
                with transaction.atomic():
                    outcome = apply(account, record=record)
            except RowError as error:
                summary.failed.append({"line": line, "email": email, "reason": str(error)})
            except IntegrityError as error:
                # A row the database refuses (a constraint the checks above missed) is that row's failure.
                summary.failed.append({"line": line, "email": email, "reason": f"The database refused it: {error}"})
            else:
                setattr(summary, outcome, getattr(summary, outcome) + 1)
    if progress is not None:
        progress(summary)


def email_of(row: object) -> str | None:
    """The row's address as written, for the report."""
    return row.get("email") if isinstance(row, dict) and isinstance(row.get("email"), str) else None


def split_new(accounts: list[tuple[int, str | None, Account]]) -> tuple[list, list]:
    """(rows of accounts that exist nowhere yet, each its mailbox's first in the
    batch; the others), by two queries for the whole batch."""
    ids = {account.user_id for _, _, account in accounts if account.user_id}
    known_ids = set(Profile.objects.filter(source_id__in=ids).values_list("source_id", flat=True))
    emails = {account.email for _, _, account in accounts}
    known_emails = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    new, others = [], []
    for item in accounts:
        account = item[2]
        if account.email in known_emails or (account.user_id and account.user_id in known_ids):
            others.append(item)
            continue
        new.append(item)
        known_emails.add(account.email)  # a later row for the same mailbox or id updates this one
        if account.user_id:
            known_ids.add(account.user_id)
    return new, others


def create_many(accounts: list[Account], *, record: bool = True) -> bool:
    """Make `accounts`, none of which exists, in a few statements; False, having
    made none, when the database refuses one (made meanwhile by another writer)."""
    try:
        with transaction.atomic():
            users = [new_user(account) for account in accounts]
            User.objects.bulk_create(users)
            EmailAddress.objects.bulk_create(
                EmailAddress(user=user, email=user.email, verified=account.email_verified, primary=True)
                for account, user in zip(accounts, users, strict=True)
            )
            Profile.objects.bulk_create(
                Profile(user=user, source_id=account.user_id, **written(account, user))
                for account, user in zip(accounts, users, strict=True)
            )
            for account, user in zip(accounts, users, strict=True):
                add_totp(account, user)
            if record:
                announce_each(EventType.USER_IMPORTED, users)
    except IntegrityError:
        return False
    return True
