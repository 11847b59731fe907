"""The locked dependencies (docs/dependencies.md): what `make` installs is the lock,
the whole lock and nothing but the lock, and the lock still satisfies pyproject.toml."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DEV_LOCK = ROOT / "requirements-dev.lock"
PRODUCTION_LOCK = ROOT / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def pins(lock: Path) -> dict[str, str]:
    """Name -> version of every requirement the lock names; each must carry its hashes."""
    result = {}
    lines = lock.read_text().splitlines()
    for number, line in enumerate(lines):
        match = PIN.match(line)
        if match is None:
            continue
        assert line.rstrip().endswith("\\") and "--hash=sha256:" in lines[number + 1], f"{line}: no hash"
        result[canonicalize_name(match.group(1))] = match.group(2)
    return result


def declared_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return [Requirement(text) for text in (*project["dependencies"], *extras["dev"], *extras["bench"])]


@pytest.mark.skipif(
    Path(sys.prefix).resolve() != (ROOT / ".venv").resolve(), reason="runs in the environment `make` installs"
)
def test_the_environment_holds_exactly_the_lock():
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in metadata.distributions()
        if canonicalize_name(dist.metadata["Name"]) != "gql-auth"
    }
    assert installed == pins(DEV_LOCK)


def test_the_lock_satisfies_every_range_pyproject_declares():
    """A range changed, or a dependency added, without `make lock` fails here
    (and `make`'s `pip check` refuses to go on)."""
    locked = pins(DEV_LOCK)
    unmet = [
        str(requirement)
        for requirement in declared_requirements()
        if requirement.marker is None or requirement.marker.evaluate()
        if not requirement.specifier.contains(locked.get(canonicalize_name(requirement.name), ""), prereleases=True)
    ]
    assert unmet == []


def test_production_and_development_lock_the_same_versions():
    production, development = pins(PRODUCTION_LOCK), pins(DEV_LOCK)
    assert {name: development.get(name) for name in production} == production


def test_django_allauth_is_the_version_its_guarantees_were_read_against():
    """The provider's rules (provider/protocol.py) were written against this
    release's allauth.idp.oidc; a new one is adopted by reading its changes
    (docs/dependencies.md), not by a lock that drifted."""
    assert pins(DEV_LOCK)["django-allauth"].startswith("65.22.")
