"""docs/directory-sign-in.md is what this test runs: its first block at the
directory (a second instance of this service standing in for Entra ID or
Google), its second here, both in real server processes with their own
databases, then the sign-in a browser makes (followed by hand, one redirect at
a time) and the application's `completeExternalLogin`, as the guide writes it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.documents import STRONG_PASSWORD
from tests.servers import ROOT, Server, create_verified_users, free_port, server_env

GUIDE = ROOT / "docs" / "directory-sign-in.md"
APP = "http://app.example"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(), re.S)


def run(command: str, env: dict) -> str:
    assert command.startswith(".venv/bin/python manage.py "), command
    shell = command.replace(".venv/bin/python manage.py", f"{sys.executable} {ROOT / 'manage.py'}", 1)
    done = subprocess.run(shell, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # noqa: S602
    assert done.returncode == 0, (command, done.stderr)
    return done.stdout


@pytest.fixture
def instances(tmp_path):
    """The directory on 127.0.0.1 and this service on localhost: one host each,
    so a browser keeps their cookies apart."""
    directory_port, service_port = free_port(), free_port()
    directory_env = server_env(
        f"sqlite:///{tmp_path}/directory.sqlite3", PUBLIC_URL=f"http://127.0.0.1:{directory_port}"
    )
    service_env = server_env(
        f"sqlite:///{tmp_path}/service.sqlite3",
        PUBLIC_URL=f"http://localhost:{service_port}",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        CORS_ALLOWED_ORIGINS=APP,
    )
    create_verified_users(directory_env, ["grace@corp.example"], STRONG_PASSWORD)
    started = []
    try:
        for env, port, name in ((directory_env, directory_port, "directory"), (service_env, service_port, "service")):
            server = Server(env, tmp_path / f"{name}.log", port=port, worker=False)
            started.append(server)
            server.env = env
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()


def follow(session: requests.Session, url: str, until: str) -> str:
    """Follow redirects by hand, as a browser would, up to the first URL under `until`."""
    for _ in range(10):
        if url.startswith(until):
            return url
        answer = session.get(url, allow_redirects=False, timeout=10)
        assert answer.status_code in (301, 302, 303), (url, answer.status_code, answer.text[:500])
        location = answer.headers["Location"]
        url = location if "://" in location else f"{urlsplit(url).scheme}://{urlsplit(url).netloc}{location}"
    raise AssertionError(f"no end of redirects at {url}")


def test_the_guide_signs_a_directory_account_in_to_an_application(instances):
    directory, service = instances
    service_url = service.env["PUBLIC_URL"]
    at_directory, here = (block.strip() for block in blocks("sh"))
    client = json.loads(run(at_directory, {**directory.env, "SERVICE_URL": service_url}))
    registered = json.loads(
        run(
            here,
            {
                **service.env,
                "DEBUG": "1",  # the stand-in directory's issuer is http on loopback, as development allows
                "DIRECTORY_ISSUER": directory.base,
                "CLIENT_ID": client["client_id"],
                "CLIENT_SECRET": client["client_secret"],
            },
        )
    )
    assert registered["id"] == "corp" and registered["domains"] == ["corp.example"]
    assert client["client_secret"] not in json.dumps(registered)

    browser = requests.Session()
    start = f"{service_url}/login/external/corp?next={APP}/signed-in"
    login_page = follow(browser, start, until=f"{directory.base}/login")
    form = browser.get(login_page, timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    next_url = parse_qs(urlsplit(login_page).query)["next"][0]
    signed_in = browser.post(
        f"{directory.base}/login",
        {
            "csrfmiddlewaretoken": csrf,
            "step": "password",
            "email": "grace@corp.example",
            "password": STRONG_PASSWORD,
            "next": next_url,
        },
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    back = follow(browser, f"{directory.base}{signed_in.headers['Location']}", until=APP)
    code = parse_qs(urlsplit(back).query)["login_code"][0]

    (complete,) = blocks("graphql")
    answer = requests.post(f"{service_url}/graphql/", json={"query": complete, "variables": {"code": code}}, timeout=10)
    result = answer.json()["data"]["completeExternalLogin"]
    assert result["success"], result
    me = requests.post(
        f"{service_url}/graphql/",
        json={"query": "{ me { email emailVerified identities { provider { id } email } } }"},
        headers={"Authorization": f"Bearer {result['token']}"},
        timeout=10,
    ).json()["data"]["me"]
    assert me == {
        "email": "grace@corp.example",
        "emailVerified": True,
        "identities": [{"provider": {"id": "corp"}, "email": "grace@corp.example"}],
    }


@pytest.mark.django_db
def test_the_guides_command_takes_a_secret_that_begins_with_a_dash(monkeypatch, settings):
    """Secrets are random URL-safe text, and one in 64 begins with "-", which
    `--client-secret "$CLIENT_SECRET"` would read as an option (it failed CI once)."""
    import os
    import shlex
    from io import StringIO

    from django.core.management import call_command

    from federation.models import IdentityProvider
    from tests.federation.stand_in import StandIn

    settings.DEBUG = True  # the stand-in's issuer is http on loopback
    stand_in = StandIn()
    try:
        monkeypatch.setenv("DIRECTORY_ISSUER", stand_in.url)
        monkeypatch.setenv("CLIENT_ID", "-client")
        monkeypatch.setenv("CLIENT_SECRET", "-Wq3xZ_secret")
        (here,) = [line for line in blocks("sh")[1].splitlines() if line.strip()]
        words = shlex.split(os.path.expandvars(here))
        assert words[:4] == [".venv/bin/python", "manage.py", "identity_provider", "create"]
        call_command("identity_provider", *words[3:], stdout=StringIO())
    finally:
        stand_in.close()
    provider = IdentityProvider.objects.get()
    assert (provider.client_id, provider.client_secret) == ("-client", "-Wq3xZ_secret")
