"""The guides' commands, run as written: docs/frontends.md's curl walk-through
against a real server, each answer compared with the one the guide shows."""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest

from tests.servers import ROOT, Server, server_env

GUIDE = ROOT / "docs" / "frontends.md"
SHOWN_BASE = "http://127.0.0.1:8000"
# What the guide has the reader copy by hand, here read from where it says.
COPIED = re.compile(r"^(KEY|TOKEN)='[^']*'.*$", re.MULTILINE)


def walk_through() -> list[tuple[str, str | None]]:
    """The curl walk-through's steps: each step's commands, and the answer the
    guide shows for it (None where it shows none)."""
    text = GUIDE.read_text()
    block = re.search(r"## Walk-through: register.*?```sh\n(.*?)```", text, re.S).group(1)
    preamble, *chunks = re.split(r"^# \d\. .*\n(?:#  .*\n)*", block, flags=re.M)
    steps = []
    for chunk in chunks:
        shown = re.search(r"^# (\{.*\})$", chunk, re.M)
        commands = COPIED.sub("", re.sub(r"^# .*$", "", chunk, flags=re.M))
        steps.append((preamble + commands, shown.group(1) if shown else None))
    return steps


def matches(shown: str, answer: str) -> bool:
    """The answer as the guide shows it: compact JSON, with `...` for what varies."""
    compact = json.dumps(json.loads(answer), separators=(",", ":"))
    pattern = ".*?".join(re.escape(part) for part in shown.split("..."))
    return re.fullmatch(pattern, compact) is not None


@pytest.fixture
def server(tmp_path):
    env = server_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", PUBLIC_URL=SHOWN_BASE)
    server = Server(env, tmp_path / "server.log")
    server.wait_ready()
    yield server
    server.stop()


def verification_key(server, seconds: float = 15) -> str:
    """The key of the link the console mail printed, as the guide has the reader copy it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = re.search(r"/verify-email/([^\s<>\"]+)", server.log_text())
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError("no verification mail in the console")


def test_the_curl_walk_through_answers_as_the_guide_shows(server):
    steps = walk_through()
    assert len(steps) == 5
    copied = {"KEY": "", "TOKEN": ""}
    for number, (commands, shown) in enumerate(steps, start=1):
        if number == 2:
            copied["KEY"] = verification_key(server)
        script = commands.replace(SHOWN_BASE, server.base)
        run = subprocess.run(
            ["bash", "-euc", script],
            env={"PATH": "/usr/bin:/bin", **copied},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert run.returncode == 0, run.stderr
        answers = [line for line in run.stdout.splitlines() if line.strip()]
        if shown is not None:
            assert matches(shown, answers[-1]), (number, shown, answers[-1])
        if number == 3:
            copied["TOKEN"] = json.loads(answers[-1])["data"]["login"]["token"]
        if number == 5:
            assert json.loads(answers[-1])["data"]["logout"]["success"] is True
