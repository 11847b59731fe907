"""axe-core (npm, from tests/browser/axe's lock, loaded by the test, never by
the pages) finds no serious or critical accessibility violation on the hosted
pages, in English and in French."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.documents import STRONG_PASSWORD

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


def serious_violations(page, axe_source: str) -> list:
    page.add_script_tag(content=axe_source)
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        (violation["id"], violation["help"], [node["target"] for node in violation["nodes"]])
        for violation in violations
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("path", ["/login", "/signup", "/forgot-password"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_serious_accessibility_violation(checked_page, live_server, axe_source, path, language):
    checked_page.goto(f"{live_server.url}{path}?lang={language}")
    assert serious_violations(checked_page, axe_source) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_account_page_and_its_step_up_dialog_have_none(checked_page, live_server, axe_source, ada, language):
    ada.language = language
    ada.save(update_fields=["language"])
    checked_page.goto(f"{live_server.url}/login?next=/account")
    checked_page.locator("#email").fill("ada@example.com")
    checked_page.locator("#password").fill(STRONG_PASSWORD)
    checked_page.locator("#password-form button[type=submit]").click()
    checked_page.locator("#account[data-ready=true]").wait_for()
    checked_page.locator("#add-totp").click()  # the QR code and its form open too
    checked_page.locator("#totp-setup").wait_for()
    assert serious_violations(checked_page, axe_source) == []
    checked_page.evaluate("() => document.getElementById('reauth-dialog').showModal()")
    assert serious_violations(checked_page, axe_source) == []
