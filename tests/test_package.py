"""The distribution holds the whole service: every app of the project with its
templates, static files, migrations and catalogues (.ci/package_check.sh then
installs it outside the checkout and serves from it)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA_FOLDERS = ("templates", "static", "locale", "migrations")


def project_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [name for name in listed if (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    """The files of a wheel built from what git knows of the checkout."""
    source, dist = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    for name in project_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes((ROOT / name).read_bytes())
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", dist, source],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("gql_auth-*.whl")
    return set(zipfile.ZipFile(wheel).namelist())


def is_ours(path: Path) -> bool:
    return ROOT in path.parents and not path.relative_to(ROOT).parts[0].startswith(".")


def apps() -> list[str]:
    """The installed apps that live in this checkout."""
    from django.apps import apps as registry

    return sorted({config.name.split(".")[0] for config in registry.get_app_configs() if is_ours(Path(config.path))})


def test_the_project_has_the_apps_this_test_knows():
    assert {"users", "factors", "audit", "provider", "schema"} <= set(apps())


def test_every_app_is_in_the_wheel(wheel_names):
    missing = [app for app in [*apps(), "gql_auth"] if f"{app}/__init__.py" not in wheel_names]
    assert missing == []


def test_every_module_template_static_file_migration_and_catalogue_is_in_the_wheel(wheel_names):
    packaged = [*apps(), "gql_auth"]
    wanted = [
        name
        for name in project_files()
        if name.split("/")[0] in packaged
        and (name.endswith(".py") or any(f"/{folder}/" in name for folder in DATA_FOLDERS))
    ]
    assert [name for name in wanted if name not in wheel_names] == []


def test_the_wheel_carries_no_tests_and_no_local_secrets(wheel_names):
    assert not [name for name in wheel_names if name.startswith(("tests/", "var/", "bench/", "examples/"))]
