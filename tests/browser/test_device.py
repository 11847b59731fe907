"""The device flow's page in Chromium: a device shows a code, the person opens
/device, signs in on the hosted login, checks the code and allows it, under the
pages' CSP; the device's poll then gets its tokens."""

from __future__ import annotations

import pytest
import requests

from provider import clients
from tests.browser.test_relying_parties import issuer, sign_in_on_the_hosted_page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.mark.usefixtures("ada")
def test_a_person_connects_a_device_from_its_code(page, issuer, screenshot):  # noqa: F811 (a fixture)
    client, _ = clients.create(name="Living-room TV", public=True, grants=["device_code"])
    started = requests.post(f"{issuer}/identity/o/api/device/code", {"client_id": client.id}, timeout=10).json()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(started["verification_uri"])
    sign_in_on_the_hosted_page(page)
    page.get_by_role("heading", name="Connect a device").wait_for()
    screenshot("device-code")
    page.get_by_label("Code").fill(started["user_code"])
    page.get_by_label("Code").press("Enter")
    page.get_by_role("heading", name="Allow Living-room TV on your device?").wait_for()
    assert page.locator("#user-code").text_content() == started["user_code"]
    screenshot("device-confirm")
    page.get_by_role("button", name="Allow").click()
    page.get_by_role("heading", name="Device connected").wait_for()
    screenshot("device-connected")

    tokens = requests.post(
        f"{issuer}/identity/o/api/token",
        {"grant_type": DEVICE_CODE, "device_code": started["device_code"], "client_id": client.id},
        timeout=10,
    ).json()
    assert tokens["token_type"].lower() == "bearer" and tokens["access_token"]
    assert violations == []
