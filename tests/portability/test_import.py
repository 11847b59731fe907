"""manage.py import_users and export_users (portability/): accounts moving in
from Auth0's formats with their password hashes, and out again."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys

import argon2
import bcrypt
import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import SecurityEvent
from portability.models import Profile
from tests.documents import LOGIN
from tests.servers import ROOT
from users.models import User

pytestmark = pytest.mark.django_db

OLD_PASSWORD = "the password they had at Auth0"


def bcrypt_hash(password: str = OLD_PASSWORD, prefix: bytes = b"2b") -> str:
    salt = bcrypt.gensalt(rounds=4, prefix=b"2b")
    if prefix != b"2b":
        salt = b"$" + prefix + salt[3:]
    return bcrypt.hashpw(password.encode(), salt).decode()


def pbkdf2_phc(password: str = OLD_PASSWORD, iterations: int = 1000) -> str:
    salt = b"\x00\xffsalt bytes"  # not text: Django's own form could not hold it
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, 32)
    b64 = lambda data: base64.b64encode(data).decode().rstrip("=")  # noqa: E731
    return f"$pbkdf2-sha256$i={iterations},l=32${b64(salt)}${b64(digest)}"


def bulk_row(email: str, **fields) -> dict:
    return {"email": email, "email_verified": True, **fields}


def custom(algorithm: str, value: str) -> dict:
    return {"algorithm": algorithm, "hash": {"value": value}}


def write(tmp_path, rows, name: str = "users.json") -> str:
    path = tmp_path / name
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return str(path)


def run_import(path: str, *args: str) -> tuple[dict, int]:
    out = io.StringIO()
    try:
        call_command("import_users", path, *args, stdout=out, stderr=io.StringIO())
        status = 0
    except SystemExit as stop:
        status = stop.code
    except CommandError as error:
        status = error.returncode
    return json.loads(out.getvalue().strip().splitlines()[-1]) if out.getvalue().strip() else {}, status


def logs_in(gql, email: str, password: str) -> dict:
    return gql(LOGIN, {"email": email, "password": password})["login"]


@pytest.mark.parametrize(
    "password_fields",
    [
        {"custom_password_hash": custom("bcrypt", bcrypt_hash())},
        {"custom_password_hash": custom("bcrypt", bcrypt_hash(prefix=b"2a"))},
        {"custom_password_hash": custom("bcrypt", bcrypt_hash(prefix=b"2y"))},
        {"password_hash": bcrypt_hash()},
        {
            "custom_password_hash": custom(
                "argon2", argon2.PasswordHasher(time_cost=1, memory_cost=64).hash(OLD_PASSWORD)
            )
        },
        {"custom_password_hash": custom("pbkdf2", pbkdf2_phc())},
        {"custom_password_hash": custom("pbkdf2", make_password(OLD_PASSWORD, hasher="pbkdf2_sha256"))},
    ],
    ids=["bcrypt-2b", "bcrypt-2a", "bcrypt-2y", "password_hash", "argon2", "pbkdf2-phc", "pbkdf2-django"],
)
def test_the_old_password_signs_in_and_the_hash_becomes_argon2(gql, tmp_path, password_fields):
    summary, status = run_import(write(tmp_path, [bulk_row("ada@example.com", user_id="auth0|1", **password_fields)]))
    assert (summary, status) == ({"created": 1, "updated": 0, "unchanged": 0, "failed": []}, 0)
    imported = User.objects.get().password
    assert not imported.startswith("argon2$argon2id$v=19$m=8,")  # kept as it was, not hashed again
    assert not logs_in(gql, "ada@example.com", "a wrong password")["success"]
    assert User.objects.get().password == imported  # a wrong password upgrades nothing
    assert logs_in(gql, "ada@example.com", OLD_PASSWORD)["success"]
    upgraded = User.objects.get().password
    assert upgraded.startswith("argon2$") and upgraded != imported
    assert logs_in(gql, "ada@example.com", OLD_PASSWORD)["success"]


def test_bcrypt_checks_the_first_72_bytes_as_its_maker_did(gql, tmp_path):
    long_password = "x" * 72 + " and what bcrypt never read"
    hashed = bcrypt.hashpw(long_password.encode()[:72], bcrypt.gensalt(4)).decode()
    run_import(write(tmp_path, [bulk_row("ada@example.com", password_hash=hashed)]))
    assert logs_in(gql, "ada@example.com", long_password)["success"]


def test_an_imported_account_is_recorded_verified_or_not_and_blocked_as_its_row_says(gql, tmp_path):
    rows = [
        bulk_row("ada@example.com", password_hash=bcrypt_hash(), given_name="Ada", user_metadata={"team": "a"}),
        bulk_row("bob@example.com", email_verified=False, password_hash=bcrypt_hash()),
        bulk_row("eve@example.com", blocked=True, password_hash=bcrypt_hash()),
    ]
    summary, status = run_import(write(tmp_path, rows))
    assert summary["created"] == 3 and status == 0
    ada = User.objects.get(email="ada@example.com")
    assert ada.email_verified and ada.imported_profile.given_name == "Ada"
    assert ada.imported_profile.user_metadata == {"team": "a"}
    assert set(SecurityEvent.objects.values_list("type", flat=True)) == {"USER_IMPORTED"}
    assert SecurityEvent.objects.count() == 3
    assert not User.objects.get(email="bob@example.com").email_verified
    assert logs_in(gql, "bob@example.com", OLD_PASSWORD)["errors"][0]["code"] == "EMAIL_NOT_VERIFIED"
    assert not User.objects.get(email="eve@example.com").is_active
    assert not logs_in(gql, "eve@example.com", OLD_PASSWORD)["success"]


def test_a_row_without_a_hash_makes_an_account_whose_person_resets_the_password(tmp_path):
    run_import(write(tmp_path, [bulk_row("ada@example.com")]))
    assert not User.objects.get().has_usable_password()


def test_bad_rows_are_reported_with_line_and_reason_and_the_others_go_on(tmp_path):
    rows = [
        bulk_row("ada@example.com", password_hash=bcrypt_hash()),
        '{"email": "broken@example.com", ',
        {"email_verified": True},
        bulk_row("md5@example.com", custom_password_hash={"algorithm": "md5", "hash": {"value": "abc"}}),
        bulk_row('"quoted local"@example.com'),
        bulk_row("notparsing@example.com", password_hash="$2b$10$tooshort"),
        bulk_row("cost@example.com", custom_password_hash=custom("pbkdf2", pbkdf2_phc(iterations=1)[:-4])),
        ["not", "an", "object"],
        bulk_row("last@example.com"),
    ]
    summary, status = run_import(write(tmp_path, rows))
    assert status == 1 and summary["created"] == 2
    failed = {entry["line"]: entry for entry in summary["failed"]}
    assert sorted(failed) == [2, 3, 4, 5, 6, 7, 8]
    assert "not JSON" in failed[2]["reason"]
    assert failed[3] == {"line": 3, "email": None, "reason": "The row has no email."}
    assert "'md5' is not one kept here" in failed[4]["reason"] and failed[4]["email"] == "md5@example.com"
    assert failed[5]["reason"].startswith("The address is refused")
    assert "no known format" in failed[6]["reason"]
    assert "not a JSON object" in failed[8]["reason"]
    assert set(User.objects.values_list("email", flat=True)) == {"ada@example.com", "last@example.com"}


def test_two_spellings_of_one_mailbox_are_one_account_and_the_second_row_is_reported(tmp_path):
    """Merged, the two rows would undo each other at every import (hash, names): the second is refused."""
    rows = [
        bulk_row("Ada@Example.COM", user_id="auth0|1", password_hash=bcrypt_hash()),
        bulk_row("ada@example.com", user_id="auth0|2", password_hash=bcrypt_hash("another")),
        bulk_row("bob@example.com", user_id="auth0|1"),  # one user_id, two addresses: the same
    ]
    path = write(tmp_path, rows)
    for _ in range(2):
        summary, status = run_import(path)
        assert [entry["line"] for entry in summary["failed"]] == [2, 3] and status == 1
        assert "earlier row of this file" in summary["failed"][0]["reason"]
    assert summary["unchanged"] == 1 and list(User.objects.values_list("email", flat=True)) == ["ada@example.com"]
    other_file = write(tmp_path, [bulk_row("ada@example.com", user_id="auth0|9")], "other.json")
    assert "imported as auth0|1" in run_import(other_file)[0]["failed"][0]["reason"]


def test_the_same_file_again_creates_nothing_and_a_changed_row_updates(tmp_path):
    rows = [bulk_row(f"user{n}@example.com", user_id=f"auth0|{n}", password_hash=bcrypt_hash()) for n in range(3)]
    path = write(tmp_path, rows)
    assert run_import(path)[0]["created"] == 3
    assert run_import(path) == ({"created": 0, "updated": 0, "unchanged": 3, "failed": []}, 0)
    rows[0]["given_name"] = "Renamed"
    rows[1]["email"] = "moved@example.com"  # the same user_id: the address moved at the source
    rows[2]["blocked"] = True
    assert run_import(write(tmp_path, rows, "changed.json"))[0] == {
        "created": 0,
        "updated": 3,
        "unchanged": 0,
        "failed": [],
    }
    assert Profile.objects.get(source_id="auth0|0").given_name == "Renamed"
    assert User.objects.filter(email="moved@example.com").exists()
    assert not User.objects.get(imported_profile__source_id="auth0|2").is_active
    assert User.objects.count() == 3  # imported once each, and the moved address recorded
    assert sorted(SecurityEvent.objects.values_list("type", flat=True)) == ["EMAIL_CHANGED"] + ["USER_IMPORTED"] * 3


def test_a_password_changed_here_or_a_block_lifted_here_is_never_put_back(gql, tmp_path):
    path = write(tmp_path, [bulk_row("ada@example.com", user_id="auth0|1", password_hash=bcrypt_hash(), blocked=True)])
    run_import(path)
    ada = User.objects.get()
    ada.set_password("a password chosen here")
    ada.is_active = True  # staff enabled the account
    ada.save()
    assert run_import(path)[0]["unchanged"] == 1
    ada.refresh_from_db()
    assert ada.check_password("a password chosen here") and ada.is_active


def test_an_account_of_this_service_keeps_its_password_and_is_never_enabled_by_an_import(make_user, tmp_path):
    ada = make_user("ada@example.com", "a password chosen here", is_active=False)
    path = write(tmp_path, [bulk_row("ada@example.com", password_hash=bcrypt_hash())])
    for _ in range(2):  # the second import finds the profile the first attached, and still owns nothing
        run_import(path)
        ada.refresh_from_db()
        assert ada.check_password("a password chosen here") and not ada.is_active


def test_an_unverified_account_here_at_an_imported_address_is_not_taken_over_nor_verified(make_user, tmp_path):
    """Registered by anyone before the move (an attacker who knows the migration is coming): the
    import neither verifies it nor gives it the owner's factor, and says why."""
    squatter = make_user("ada@example.com", "the squatter's password", verified=False)
    row = bulk_row("ada@example.com", password_hash=bcrypt_hash(), mfa_factors=[{"totp": {"secret": "A" * 32}}])
    summary, status = run_import(write(tmp_path, [row]))
    assert status == 1 and "unverified" in summary["failed"][0]["reason"]
    squatter.refresh_from_db()
    assert not squatter.email_verified and not hasattr(squatter, "imported_profile")
    assert squatter.check_password("the squatter's password") and not squatter.authenticator_set.exists()


def test_an_address_changed_here_and_a_block_by_staff_are_never_undone(tmp_path):
    path = write(tmp_path, [bulk_row("ada@example.com", user_id="auth0|1")])
    run_import(path)
    ada = User.objects.get()
    EmailAddress.objects.filter(user=ada).update(email="new@example.com")
    ada.email = "new@example.com"  # the person changed it here
    ada.is_active = False  # and staff disabled the account
    ada.save()
    for _ in range(3):
        run_import(path)
    ada.refresh_from_db()
    assert ada.email == "new@example.com" and not ada.is_active
    unblocked = write(tmp_path, [bulk_row("new@example.com", user_id="auth0|1", blocked=False)], "unblocked.json")
    run_import(unblocked)
    ada.refresh_from_db()
    assert not ada.is_active  # the source never blocked it: the import has no block of its own to lift


def test_dry_run_checks_and_counts_and_writes_nothing(tmp_path):
    rows = [bulk_row("ada@example.com", password_hash=bcrypt_hash()), bulk_row("Ada@example.com"), {"name": "x"}]
    summary, status = run_import(write(tmp_path, rows), "--dry-run")
    assert (summary["created"], summary["updated"] + summary["unchanged"], len(summary["failed"]), status) == (
        1,
        0,
        2,
        1,
    )
    assert not User.objects.exists() and not SecurityEvent.objects.exists() and not EmailAddress.objects.exists()


def test_a_json_array_is_read_a_row_at_a_time_and_its_positions_reported(tmp_path):
    path = tmp_path / "users.json"
    path.write_text(json.dumps([bulk_row("ada@example.com"), {"email": 3}, bulk_row("bob@example.com")], indent=2))
    summary, status = run_import(str(path))
    assert summary["created"] == 2 and summary["failed"] == [
        {"line": 2, "email": None, "reason": "email is not a string."}
    ]


def test_auth0s_password_hash_export_imports_by_its_id(gql, tmp_path):
    line = {
        "_id": {"$oid": "5dea9f9c82dd7c0e76e4ec93"},
        "email_verified": True,
        "email": "ada@example.com",
        "passwordHash": bcrypt_hash(),
        "password_set_date": {"$date": "2019-12-06T18:36:12.412Z"},
        "tenant": "example",
        "connection": "Username-Password-Authentication",
        "_tmp_is_unique": True,
    }
    assert run_import(write(tmp_path, [line]))[0]["created"] == 1
    assert Profile.objects.get().source_id == "auth0|5dea9f9c82dd7c0e76e4ec93"
    assert logs_in(gql, "ada@example.com", OLD_PASSWORD)["success"]


def test_ten_thousand_rows(tmp_path, django_assert_max_num_queries):
    hashed = bcrypt_hash()
    rows = [bulk_row(f"user{n}@example.com", user_id=f"auth0|{n}", password_hash=hashed) for n in range(10_000)]
    summary, status = run_import(write(tmp_path, rows))
    assert (summary["created"], status) == (10_000, 0)
    assert User.objects.count() == 10_000


def test_export_then_import_is_the_same_accounts_with_the_same_passwords(gql, tmp_path, make_user):
    make_user("native@example.com", "a password chosen here")
    rows = [
        bulk_row("ada@example.com", user_id="auth0|1", password_hash=bcrypt_hash(), family_name="Lovelace"),
        bulk_row("pbkdf2@example.com", custom_password_hash=custom("pbkdf2", pbkdf2_phc())),
        bulk_row("blocked@example.com", email_verified=False, blocked=True),
    ]
    run_import(write(tmp_path, rows))
    out = io.StringIO()
    call_command("export_users", "--with-password-hashes", stdout=out)
    exported = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {row["email"] for row in exported} == {r["email"] for r in rows} | {"native@example.com"}
    assert all("custom_password_hash" in row for row in exported if row["email"] != "blocked@example.com")
    without = io.StringIO()
    call_command("export_users", stdout=without)
    assert "custom_password_hash" not in without.getvalue() and "$2b$" not in without.getvalue()
    User.objects.all().delete()
    summary, status = run_import(write(tmp_path, exported, "export.json"))
    assert (summary["created"], status) == (4, 0)
    assert logs_in(gql, "ada@example.com", OLD_PASSWORD)["success"]
    assert logs_in(gql, "pbkdf2@example.com", OLD_PASSWORD)["success"]
    assert logs_in(gql, "native@example.com", "a password chosen here")["success"]
    assert Profile.objects.get(source_id="auth0|1").family_name == "Lovelace"
    assert not User.objects.get(email="blocked@example.com").is_active
    again = io.StringIO()
    call_command("export_users", stdout=again)
    assert {r["email"]: r["blocked"] for r in map(json.loads, again.getvalue().splitlines())} == {
        r["email"]: r["blocked"] for r in exported
    }


@pytest.mark.django_db(transaction=True)
def test_exit_statuses_from_a_real_process(tmp_path):
    from tests.servers import server_env

    env = server_env(f"sqlite:///{tmp_path / 'db.sqlite3'}")

    def status(*args: str) -> tuple[int, str, str]:
        done = subprocess.run(
            [sys.executable, "manage.py", "import_users", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )
        return done.returncode, done.stdout, done.stderr

    good = write(tmp_path, [bulk_row("ada@example.com")], "good.json")
    code, out, _ = status(good)
    assert code == 0 and json.loads(out.splitlines()[-1])["created"] == 1
    code, out, _ = status(write(tmp_path, [bulk_row("bob@example.com"), {"email": "x"}], "some.json"))
    assert code == 1 and json.loads(out.splitlines()[-1])["failed"][0]["line"] == 2
    assert status(str(tmp_path / "missing.json"))[0] == 2
    (tmp_path / "garbage.json").write_bytes(b"\x89PNG not json at all\n")
    assert status(str(tmp_path / "garbage.json"))[0] == 2
    assert status()[0] == 2  # no FILE
    many = write(tmp_path, [bulk_row(f"u{n}@example.com") for n in range(10_001)], "many.json")
    code, _, err = status(many)
    assert code == 0 and "import_users: 10000 rows" in err  # progress, a line at a time off a terminal


class HashWork:
    """The preferred hasher's work a failed login did, and how long it waited."""

    def __init__(self, monkeypatch) -> None:
        from tests.support import FastArgon2PasswordHasher
        from users import credentials

        self.hashes, self.slept = 0, []

        def counted(method):
            def run(*args, **kwargs):
                self.hashes += 1
                return method(*args, **kwargs)

            return run

        for name in ("encode", "verify"):
            monkeypatch.setattr(FastArgon2PasswordHasher, name, counted(getattr(FastArgon2PasswordHasher, name)))
        monkeypatch.setattr(credentials.time, "sleep", self.slept.append)


@pytest.mark.parametrize("kind", ["unknown", "no password", "bcrypt", "argon2 elsewhere", "argon2"])
def test_a_failed_login_costs_a_preferred_hash_however_the_account_is_stored(
    gql, tmp_path, monkeypatch, kind, make_user
):
    """Timing tells neither that an address has an account nor that it was imported; and no
    account's own hash (a file chose its cost) sets the time the others are evened out to."""
    from users import credentials

    cheap_argon2 = argon2.PasswordHasher(time_cost=1, memory_cost=64).hash(OLD_PASSWORD)
    if kind == "no password":
        run_import(write(tmp_path, [bulk_row("ada@example.com")]))
    elif kind == "bcrypt":
        run_import(write(tmp_path, [bulk_row("ada@example.com", password_hash=bcrypt_hash())]))
    elif kind == "argon2 elsewhere":
        run_import(write(tmp_path, [bulk_row("ada@example.com", custom_password_hash=custom("argon2", cheap_argon2))]))
    elif kind == "argon2":
        make_user("ada@example.com")
    monkeypatch.setattr(credentials, "preferred_hash_seconds", 5.0)  # as measured: far longer than these checks
    work = HashWork(monkeypatch)
    assert not logs_in(gql, "ada@example.com", "a wrong password")["success"]
    if kind == "bcrypt":
        assert work.hashes == 0 and len(work.slept) == 1 and 4.5 < work.slept[0] < 5.0  # the rest of a hash's time
    elif kind == "argon2 elsewhere":
        assert work.hashes == 1 and len(work.slept) == 1 and 4.5 < work.slept[0] < 5.0
    else:
        assert (work.hashes, work.slept) == (1, [])  # one Argon2 hash or check, as for any account
    if kind != "unknown":
        assert credentials.preferred_hash_seconds == 5.0  # measured only by hashing for an unknown address


def test_an_imported_totp_secret_is_an_active_factor_asked_for_at_login(gql, tmp_path):
    from allauth.mfa.models import Authenticator

    from tests.documents import LOGIN_MFA, VERIFY_MFA
    from tests.support import totp

    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    row = bulk_row("ada@example.com", password_hash=bcrypt_hash(), mfa_factors=[{"totp": {"secret": secret}}])
    assert run_import(write(tmp_path, [row]))[0]["created"] == 1
    factor = Authenticator.objects.get(type=Authenticator.Type.TOTP)
    assert secret not in json.dumps(factor.data)  # encrypted as every factor's
    answer = gql(LOGIN_MFA, {"email": "ada@example.com", "password": OLD_PASSWORD})["login"]
    assert not answer["success"] and answer["mfaToken"] and "TOTP" in answer["mfaMethods"]
    verified = gql(VERIFY_MFA, {"mfaToken": answer["mfaToken"], "code": totp(secret)})["verifyMfa"]
    assert verified["success"], verified
    assert run_import(write(tmp_path, [row], "again.json"))[0]["unchanged"] == 1
    bad = bulk_row("bob@example.com", mfa_factors=[{"totp": {"secret": "not base32!"}}])
    assert "not base32" in run_import(write(tmp_path, [bad], "bad.json"))[0]["failed"][0]["reason"]


def test_on_a_terminal_the_progress_is_a_bar_with_rate_and_time_left(tmp_path):
    from portability.importing import Summary
    from portability.management.commands.import_users import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    path = write(tmp_path, [bulk_row(f"u{n}@example.com") for n in range(100)])
    out = Terminal()
    with open(path, "rb") as stream:
        progress = Progress(stream, os.path.getsize(path), out)
        stream.read(2000)
        progress(Summary(created=40))
        progress.close()
    shown = out.getvalue()
    assert "\r" in shown and "rows=40" in shown and "<" in shown and "/s" in shown  # done<left, at a rate


def test_each_imported_account_is_one_event_and_one_audit_line(tmp_path, caplog, django_capture_on_commit_callbacks):
    rows = [bulk_row(f"user{n}@example.com") for n in range(3)]
    with caplog.at_level("INFO", logger="gql_auth.audit"), django_capture_on_commit_callbacks(execute=True):
        run_import(write(tmp_path, rows))
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "gql_auth.audit"]
    events = SecurityEvent.objects.order_by("pk")
    assert [(line["event"], line["id"], line["user_id"]) for line in lines] == [
        ("USER_IMPORTED", event.pk, event.user_id) for event in events
    ]
    assert len(lines) == 3


def test_a_json_array_broken_part_way_imports_up_to_the_break_and_says_where(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('[{"email": "a@example.com"}, {"email": "b@example.com"}, {"email": "c@exa')
    summary, status = run_import(str(path))
    assert (summary["created"], status) == (2, 2)
    assert summary["stopped"].startswith("The JSON array is broken after row 2")


@pytest.mark.parametrize(
    "stored",
    [
        "bcrypt$$2b$04$" + "A" * 22 + "x" * 31,  # a salt bcrypt refuses (its 22nd character)
        "pbkdf2_sha256_phc$0$c2FsdA$",  # no rounds, no digest
        "pbkdf2_sha256_phc$10$not base64!$aGFzaA",
        "md5$salt$0123456789abcdef",  # a hasher no longer listed, once the move is over
    ],
)
def test_a_stored_hash_that_cannot_be_checked_is_a_wrong_password_never_an_error(gql, make_user, stored):
    user = make_user("ada@example.com")
    User.objects.filter(pk=user.pk).update(password=stored)
    answer = logs_in(gql, "ada@example.com", OLD_PASSWORD)
    assert not answer["success"] and answer["errors"][0]["code"] == "INVALID_CREDENTIALS"


def test_hashes_that_would_hold_a_login_for_long_are_refused_at_the_import(tmp_path):
    slow_argon2 = "$argon2id$v=19$m=65536,t=50,p=1$" + "c2FsdHNhbHRzYWx0c2FsdA" + "$" + "a" * 43
    rows = [
        bulk_row("a@example.com", password_hash="$2b$15$" + "A" * 21 + "O" + "x" * 31),
        bulk_row("b@example.com", custom_password_hash=custom("pbkdf2", pbkdf2_phc(iterations=1000)[:-1] + "$")),
        bulk_row("c@example.com", custom_password_hash=custom("argon2", slow_argon2)),
        bulk_row("d@example.com", custom_password_hash=custom("pbkdf2", pbkdf2_phc(iterations=3_000_000))),
    ]
    summary, _ = run_import(write(tmp_path, rows))
    assert summary["created"] == 0 and len(summary["failed"]) == 4


def test_control_characters_oversized_metadata_and_deep_nesting_fail_their_row_only(tmp_path):
    rows = [
        bulk_row("a@example.com", given_name="A\x00da"),
        bulk_row("b@example.com", user_metadata={"bio": "x" * 20_000}),
        bulk_row("c@example.com", user_id="auth0|\x00"),
        bulk_row("ok@example.com"),
        "[" * 100_000 + "]" * 100_000,
    ]
    summary, status = run_import(write(tmp_path, rows))
    assert (summary["created"], [entry["line"] for entry in summary["failed"]], status) == (1, [1, 2, 3, 5], 1)
