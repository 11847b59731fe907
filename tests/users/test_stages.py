"""users.stages: the steps after a right password, as LOGIN_STAGES lists them,
run by both doors of a login (the API's steps, and a form's `authenticate()`)."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth import authenticate

from tests.documents import STRONG_PASSWORD
from tests.servers import ROOT
from users import sessions
from users.errors import InvalidCredentials, MfaRequired

pytestmark = pytest.mark.django_db

SEEN: list = []


class AskForAPet:
    """A stage of the test's own: it asks every account for its pet's name."""

    def begin(self, request, user, methods):
        SEEN.append(("begin", user.email))
        raise MfaRequired("What is your pet's name?")

    def complete(self, request, user, fields):
        SEEN.append(("complete", user.email, dict(fields)))
        if fields.get("pet") != "Rex":
            raise MfaRequired("What is your pet's name?")


@pytest.fixture
def pet_stage(settings):
    SEEN.clear()
    settings.LOGIN_STAGES = [*settings.LOGIN_STAGES, f"{__name__}.AskForAPet"]
    yield
    SEEN.clear()


@pytest.mark.usefixtures("pet_stage")
def test_a_listed_stage_stops_an_api_login_after_its_password_only(flow_request, make_user):
    make_user()
    with pytest.raises(InvalidCredentials):
        sessions.login(flow_request(), "ada@example.com", "not the password at all")
    assert SEEN == []  # a wrong password reaches no stage
    with pytest.raises(MfaRequired):
        sessions.login(flow_request(), "ada@example.com", STRONG_PASSWORD)
    assert SEEN == [("begin", "ada@example.com")]


@pytest.mark.usefixtures("pet_stage")
def test_a_form_that_sends_everything_at_once_is_checked_by_every_stage(flow_request, make_user):
    ada = make_user()
    request = flow_request()
    assert authenticate(request, username="ada@example.com", password=STRONG_PASSWORD) is None
    assert request.login_refusal == "What is your pet's name?"  # what the admin's form shows
    assert authenticate(request, username="ada@example.com", password=STRONG_PASSWORD, pet="Rex") == ada
    assert SEEN[-1] == ("complete", "ada@example.com", {"pet": "Rex"})


def test_the_second_factor_app_without_its_stage_refuses_to_start(tmp_path):
    """Installed but unlisted, no login would ask for a second factor: not a
    service that starts and lets passwords alone in."""
    (tmp_path / "no_stages.py").write_text("from gql_auth.settings import *  # noqa\nLOGIN_STAGES = []\n")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", "DJANGO_SETTINGS_MODULE": "no_stages"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "factors.login.SecondFactorStage" in result.stderr
