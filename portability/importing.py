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
import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import BinaryIO

import ijson
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.db import DatabaseError, transaction

from portability.auth0 import Account, RowError, read
from portability.models import Profile
from users import tokens
from users.events import EventType, announce, announce_each
from users.models import User
from users.outages import is_outage

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
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
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


@dataclass(frozen=True)
class Run:
    """One import of one file: `id` marks the accounts its rows reached, so a
    second row for one of them is told apart from a later import; `record`
    is off for a dry run."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    record: bool = True


def create(accounts: list[Account], run: Run) -> list[User]:
    """Make `accounts`, none of which exists, in the same few statements
    whatever their number (one account, or a batch's new ones)."""
    users = [new_user(account) for account in accounts]
    User.objects.bulk_create(users)
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=account.email_verified, primary=True)
        for account, user in zip(accounts, users, strict=True)
    )
    Profile.objects.bulk_create(
        Profile(user=user, source_id=account.user_id, **made(account, user, run))
        for account, user in zip(accounts, users, strict=True)
    )
    for account, user in zip(accounts, users, strict=True):
        add_totp(account, user)
    if run.record:
        announce_each(EventType.USER_IMPORTED, users)
    return users


def made(account: Account, user: User, run: Run) -> dict:
    """The profile of an account the import makes: it wrote all of it."""
    return {
        **kept(account),
        "imported_password_digest": password_digest(user.password) if account.password else "",
        "imported_email": user.email,
        "imported_blocked": account.blocked,
        "import_run": run.id,
    }


def kept(account: Account) -> dict:
    """What the service keeps of the source's record, only for the export."""
    return {
        "given_name": account.given_name,
        "family_name": account.family_name,
        "name": account.name,
        "user_metadata": account.user_metadata,
        "app_metadata": account.app_metadata,
    }


def update(account: Account, user: User, profile: Profile | None, run: Run) -> bool:
    """Bring `user` to `account` where the import may: only what it wrote
    itself and the account still has (a password, an address, a block); an
    account it did not make keeps its password (unless it has none) and its
    address's state, and may be blocked, never enabled. Whether anything changed."""
    changed, wrote = [], {}
    digest = profile.imported_password_digest if profile is not None else ""
    may_set_password = not user.has_usable_password() or (digest and digest == password_digest(user.password))
    if account.password and account.password != user.password and may_set_password:
        user.password = account.password
        changed.append("password")
        wrote["imported_password_digest"] = password_digest(user.password)
    owns_address = profile is not None and profile.imported_email == user.email
    if account.email != user.email and owns_address:
        move_address(user, account)
        changed.append("email")
        wrote["imported_email"] = user.email
        if run.record:
            announce(EventType.EMAIL_CHANGED, user=user)
    blocked = not user.is_active
    if account.blocked != blocked:
        wrote_block = profile is not None and profile.imported_blocked is not None
        if (wrote_block and profile.imported_blocked == blocked) or (not wrote_block and account.blocked):
            user.is_active = not account.blocked
            changed.append("is_active")
            wrote["imported_blocked"] = account.blocked
    if changed:
        user.save(update_fields=changed)  # a new password or a block ends the sessions (User.save)
    # Never unverified: the person may have verified it here since.
    verify = owns_address and account.email_verified
    if verify and EmailAddress.objects.filter(user=user, email=user.email, verified=False).update(verified=True):
        changed.append("verified")
    if profile is None:
        # Found by its address: `apply` looked for the user_id first, and no profile has it.
        Profile.objects.create(user=user, source_id=account.user_id, import_run=run.id, **kept(account), **wrote)
        return True
    new = {key: value for key, value in {**kept(account), **wrote}.items() if getattr(profile, key) != value}
    Profile.objects.filter(pk=profile.pk).update(import_run=run.id, **new)
    return bool(changed or new)


def move_address(user: User, account: Account) -> None:
    """The address moved at the source: the account's row of it moves too,
    unless another account has the new one."""
    taken = User.objects.filter(email=account.email).exclude(pk=user.pk).exists()
    if taken or EmailAddress.objects.filter(email__iexact=account.email).exclude(user=user).exists():
        raise RowError("The new address belongs to another account.")
    EmailAddress.objects.filter(user=user, email=user.email).delete()
    EmailAddress.objects.create(user=user, email=account.email, verified=account.email_verified, primary=True)
    user.email = account.email


def add_totp(account: Account, user: User) -> bool:
    """The account's authenticator app, from the row's TOTP secret, encrypted as
    every factor's (allauth's adapter); an account that has one keeps it."""
    if not account.totp_secret or Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return False
    TOTP.activate(user, account.totp_secret)
    return True


def apply(account: Account, run: Run) -> str:
    """Create or update the account `account` describes: "created", "updated" or "unchanged"."""
    profile = None
    if account.user_id:
        profile = Profile.objects.select_related("user").filter(source_id=account.user_id).first()
    user = profile.user if profile is not None else User.objects.filter(email=account.email).first()
    if user is None:
        create([account], run)
        return "created"
    by_address = profile is None
    if by_address:
        profile = Profile.objects.filter(user=user).first()
    if profile is not None and profile.import_run == run.id:
        # Two rows for one account would undo each other at every import.
        raise RowError("An earlier row of this file is the same account (its user_id or its mailbox).")
    if by_address and profile is None and not user.email_verified:
        # Anyone may have registered it, the attacker before the owner's import included.
        raise RowError("An account here has this address, unverified: verify or delete it, then import again.")
    if by_address and profile is not None and profile.source_id and account.user_id != profile.source_id:
        raise RowError(f"The address belongs to the account imported as {profile.source_id}.")
    changed = update(account, user, profile, run)
    return "updated" if add_totp(account, user) or changed else "unchanged"


def import_rows(numbered: Iterator[tuple[int, object]], *, dry_run: bool = False, progress=None) -> Summary:
    """Import every row; with `dry_run`, check and count in one transaction
    rolled back at the end, recording no event (whose log lines would wait
    for a commit that never comes, in memory)."""
    summary = Summary()
    run = Run(record=not dry_run)
    with transaction.atomic() if dry_run else nullcontext():
        batch = []
        try:
            for line, row in numbered:
                batch.append((line, row))
                if len(batch) == BATCH:
                    run_batch(batch, summary, progress, run)
                    batch = []
        except FileUnreadable as error:
            summary.stopped = str(error)
        run_batch(batch, summary, progress, run)
        if dry_run:
            transaction.set_rollback(True)
    return summary


def run_batch(batch: list[tuple[int, object]], summary: Summary, progress, run: Run) -> None:
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
        if new and create_many([account for _, _, account in new], run):
            summary.created += len(new)
        else:
            others = sorted(new + others, key=lambda item: item[0])
        for line, email, account in others:
            try:
                with transaction.atomic():
                    outcome = apply(account, run)
            except RowError as error:
                summary.failed.append({"line": line, "email": email, "reason": str(error)})
            except DatabaseError as error:
                if is_outage(error):
                    raise
                # A row the database refuses (a constraint, a character it cannot store) is that row's failure.
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
        known_emails.add(account.email)  # a later row for the same mailbox or id goes alone (and is refused)
        if account.user_id:
            known_ids.add(account.user_id)
    return new, others


def create_many(accounts: list[Account], run: Run) -> bool:
    """`create` in a savepoint; False, having made none, when the database
    refuses one (made meanwhile by another writer, a value it cannot store)."""
    try:
        with transaction.atomic():
            create(accounts, run)
    except DatabaseError as error:
        if is_outage(error):
            raise
        return False  # each then goes alone, and only the refused one fails
    return True
