"""docs/security.md and docs/dependencies.md claim only what a test proves:
every test they name exists. And no page names a module or path that is gone."""

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


PROJECT_DIRS = (
    "users",
    "factors",
    "audit",
    "provider",
    "schema",
    "gql_auth",
    "tests",
    "bench",
    "examples",
    "docs",
    ".ci",
)
PERMISSION = re.compile(r"\w+\.(add|change|delete|view)_\w+")
LOGGERS = {"gql_auth.audit"}
PAGES = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md"))]


def named_paths(text: str) -> set[str]:
    """Paths of the project a page names in backticks: `users/sessions.py`,
    `users/sessions.py::hand_off`, `users.sessions.hand_off`, `docs/`."""
    found = set()
    for quoted in re.findall(r"`([^`\s]+)`", text):
        quoted = quoted.rstrip(".,:;")
        head = re.split(r"[/.]", quoted, maxsplit=1)[0] if not quoted.startswith(".ci") else ".ci"
        if head in PROJECT_DIRS and re.fullmatch(r"[\w./:-]+", quoted) and ("/" in quoted or "." in quoted):
            found.add(quoted)
    return found


def exists(name: str) -> bool:
    """Whether a named path, module or module attribute is in the tree."""
    path, _, attribute = name.partition("::")
    if "/" not in path and not (ROOT / path).is_file():  # dotted: a module, or a module's attribute
        parts = path.split(".")
        for cut in range(len(parts), 1, -1):
            module = ROOT.joinpath(*parts[:cut])
            for candidate in (module.with_suffix(".py"), module / "__init__.py"):
                if candidate.is_file():
                    rest = parts[cut:]
                    return not rest or defines(candidate, rest[0])
        # Not a module: a permission's name (`users.view_user`) or a logger's.
        return bool(PERMISSION.fullmatch(path)) or path in LOGGERS
    # Tests are named from tests/, as the security table does.
    target = next((t for t in (ROOT / path.rstrip("/"), ROOT / "tests" / path) if t.exists()), None)
    if target is None:
        return False
    return not attribute or target.is_dir() or defines(target, attribute.split(".")[0])


def defines(module: Path, name: str) -> bool:
    return (
        re.search(
            rf"^\s*(def|class|async def)\s+{re.escape(name)}\b|^\s*{re.escape(name)}\s*[:=]", module.read_text(), re.M
        )
        is not None
    )


@pytest.mark.parametrize("page", PAGES)
def test_every_module_and_path_a_page_names_exists(page):
    missing = sorted(name for name in named_paths((ROOT / page).read_text()) if not exists(name))
    assert missing == []


def test_the_readme_is_a_front_page_with_a_map_of_the_docs():
    """What it is, the two commands, and every page of docs/, in a few minutes' read."""
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 120
    assert "make run" in readme and "make test" in readme
    pages = {str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md")}
    linked = set(re.findall(r"\]\((docs/[^)]+\.md)\)", readme))
    assert pages - linked == set()
    assert all((ROOT / link).is_file() for link in linked)
