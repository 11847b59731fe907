"""Mail goes out after the answer, from a background thread."""

import time

from tests.conftest import STRONG_PASSWORD
from tests.schema.test_walkthrough import REGISTER
from tests.support import GatedBackend


def test_the_answer_does_not_wait_for_the_mail_server(gql, settings):
    settings.EMAIL_SEND_IN_BACKGROUND = True
    settings.EMAIL_BACKEND = "tests.support.GatedBackend"
    GatedBackend.gate.clear()
    GatedBackend.sent.clear()
    try:
        # The mail server is stuck, yet the answer comes.
        result = gql(REGISTER, {"email": "grace@example.com", "password": STRONG_PASSWORD})
        assert result["register"]["success"]
        assert GatedBackend.sent == []
    finally:
        GatedBackend.gate.set()
    deadline = time.monotonic() + 10
    while not GatedBackend.sent and time.monotonic() < deadline:
        time.sleep(0.01)
    (mail,) = GatedBackend.sent
    assert mail.to == ["grace@example.com"]
