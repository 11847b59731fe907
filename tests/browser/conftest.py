"""Headless Chromium (Debian's package) driven by Playwright against a live server.

Set SCREENSHOT_DIR to keep a screenshot of each page state the tests reach
(that is how docs/screenshots/ is made).
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM, used by
# the tests and the live server, is safe here as nothing else runs in that loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# Per module, not per session: Playwright's sync API leaves its event loop marked
# as running in this thread until it stops, and later tests would then see an
# async context (strawberry-django resolvers turn into coroutines).
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 720, "height": 640}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save what the page shows now as <name>.png, when SCREENSHOT_DIR is set."""
    target = os.environ.get("SCREENSHOT_DIR")

    def take(name: str) -> None:
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def only_its_own_documents(tmp_path, settings):
    """The service trusting a manifest that holds none of its pages' documents (only
    tests/documents.py's): they must run all the same (schema/persisted.py trusts the
    service's own scripts)."""
    import hashlib
    import json

    from schema import persisted
    from tests import documents

    # The tests' own documents (what they set up with, as another app would), none of the pages'.
    texts = [value for name, value in vars(documents).items() if name.isupper() and isinstance(value, str)]
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({f"sha256:{hashlib.sha256(text.encode()).hexdigest()}": text for text in texts}))
    settings.GRAPHQL_TRUSTED_DOCUMENTS = str(manifest)
    persisted.load_manifest.cache_clear()
    yield
    persisted.load_manifest.cache_clear()
