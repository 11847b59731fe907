"""docs/security.md and docs/dependencies.md claim only what a test proves:
every test they name exists."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTED = ("schema/", "users/", "factors/", "audit/", "provider/", "browser/", "reliability/", "examples/", "test_")


@pytest.mark.parametrize("page", ["security.md", "dependencies.md"])
def test_every_test_named_in_the_page_exists(page):
    doc = (ROOT / "docs" / page).read_text()
    missing = []
    for cell in re.findall(r"`([a-z_/]+\.py)((?:::test_\w+`?,? ?`?)*)", doc):
        path, names = cell
        path = path.removeprefix("tests/")
        if not path.startswith(TESTED):
            continue
        if not (ROOT / "tests" / path).exists():
            if (ROOT / path).exists():
                continue  # a source file, named as the mechanism
            missing.append(path)
            continue
        source = (ROOT / "tests" / path).read_text()
        missing += [f"{path}::{name}" for name in re.findall(r"test_\w+", names) if f"def {name}(" not in source]
    every_test = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    missing += [name for name in set(re.findall(r"::(test_\w+)", doc)) if f"def {name}(" not in every_test]
    assert missing == []
