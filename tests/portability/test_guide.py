"""docs/moving-from-auth0.md is the sequence this test runs: its commands, in
order, in real processes, on a file made as Auth0 makes it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import bcrypt
import pytest

from tests.servers import ROOT, server_env

GUIDE = ROOT / "docs" / "moving-from-auth0.md"
PASSWORD = "the password they had at Auth0"


def guide_commands() -> list[str]:
    (block,) = re.findall(r"```sh\n(.*?)```", GUIDE.read_text(), re.S)
    return [line for line in block.splitlines() if line.strip()]


@pytest.mark.django_db(transaction=True)
def test_the_guide_moves_accounts_in_with_their_passwords_and_out_again(tmp_path):
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(10)).decode()
    users = [
        {"email": f"person{n}@example.com", "email_verified": True, "user_id": f"auth0|{n}", "password_hash": hashed}
        for n in range(5)
    ]
    (tmp_path / "auth0-users.json").write_text(json.dumps(users))  # Auth0's bulk-import file: a JSON array
    env = server_env(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    outputs = []
    for command in guide_commands():
        assert command.startswith(".venv/bin/python manage.py "), command
        shell = command.replace(".venv/bin/python manage.py", f"{sys.executable} {ROOT / 'manage.py'}", 1)
        done = subprocess.run(shell, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)  # noqa: S602
        assert done.returncode == 0, (command, done.stderr)
        outputs.append(done.stdout)
    dry_run, first, second = (json.loads(out.splitlines()[-1]) for out in outputs[:3])
    assert dry_run == first == {"created": 5, "updated": 0, "unchanged": 0, "failed": []}
    assert second == {"created": 0, "updated": 0, "unchanged": 5, "failed": []}
    exported = [json.loads(line) for line in (tmp_path / "export.json").read_text().splitlines()]
    assert [row["custom_password_hash"]["hash"]["value"] for row in exported] == [hashed] * 5
    script = (
        "from django.contrib.auth import authenticate; from users.models import User; "
        f"print(bool(authenticate(email='person0@example.com', password={PASSWORD!r})), "
        "User.objects.get(email='person0@example.com').password.split('$')[0])"
    )
    signed_in = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert signed_in.stdout.splitlines()[-1].split() == ["True", "argon2"], signed_in.stderr
