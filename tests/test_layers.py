"""The one rule between the project's apps (docs/architecture.md): each imports
only the apps below it, so the account core stands alone and no two apps
import each other:

    users  →  factors, federation  →  audit, provider  →  schema  →  gql_auth

Apps side by side (`factors` and `federation`, `audit` and `provider`) import
neither the other."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [{"users"}, {"factors", "federation"}, {"audit", "provider"}, {"schema"}, {"gql_auth"}]
APPS = set().union(*LAYERS)


def level(app: str) -> int:
    return next(n for n, layer in enumerate(LAYERS) if app in layer)


def imported_apps(path: Path) -> set[str]:
    """The project apps a module imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return {name.split(".")[0] for name in names} & APPS


@pytest.mark.parametrize("app", sorted(APPS))
def test_an_app_imports_only_the_apps_below_it(app):
    against = {
        f"{path.relative_to(ROOT)} imports {other}"
        for path in (ROOT / app).rglob("*.py")
        for other in imported_apps(path) - {app}
        if level(other) >= level(app)
    }
    assert sorted(against) == []


def test_the_rule_sees_an_import_against_it(tmp_path):
    """The test above can fail: a core module importing audit is caught."""
    module = tmp_path / "flow.py"
    module.write_text("def f():\n    from audit.log import record\n")
    assert imported_apps(module) == {"audit"}
