"""axe-core (npm, from tests/browser/axe's lock, loaded by the test, never by
the pages) finds no serious or critical accessibility violation on the hosted
pages, in English and in French."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

AXE = Path(__file__).resolve().parent / "axe"


@pytest.fixture(scope="module")
def axe_source() -> str:
    if shutil.which("npm") is None:
        pytest.skip("needs Node.js and npm")
    if not (AXE / "node_modules" / "axe-core").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=AXE, check=True, timeout=300)
    return (AXE / "node_modules" / "axe-core" / "axe.min.js").read_text()


@pytest.fixture
def checked_page(browser):
    # The pages forbid inline and foreign script (their CSP): the test's own
    # context lets axe in, which changes nothing of what the pages show.
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", ["/login", "/signup", "/forgot-password"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_serious_accessibility_violation(checked_page, live_server, axe_source, path, language):
    checked_page.goto(f"{live_server.url}{path}?lang={language}")
    checked_page.add_script_tag(content=axe_source)
    violations = checked_page.evaluate("async () => (await axe.run(document)).violations")
    serious = [
        (violation["id"], violation["help"], [node["target"] for node in violation["nodes"]])
        for violation in violations
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == []
