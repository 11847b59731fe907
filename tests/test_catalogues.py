"""The service's own catalogues (gql_auth/locale): a message the code or a
template marks for translation and a catalogue lacks fails here; the French
pages speak French. `make test` compiles the catalogues first (`make messages`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from django.test import Client

from tests.servers import ROOT

CATALOGUE = ROOT / "gql_auth" / "locale" / "fr" / "LC_MESSAGES" / "django.po"
LEFT_OUT = shutil.ignore_patterns(
    ".venv", ".git", "node_modules", "examples", "bench", "docs", "tests", "*.mo", "*.sqlite3*"
)


@pytest.mark.skipif(not shutil.which("msgattrib"), reason="needs GNU gettext (apt-get install gettext)")
def test_every_message_the_code_marks_is_translated(tmp_path):
    """makemessages over a copy of the project merges what the code marks into
    the committed catalogue: nothing may come out untranslated or fuzzy."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=LEFT_OUT)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gql_auth.settings", "DEBUG": "1", "PYTHONPATH": str(copy)}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--all", "--no-location", "--ignore=.venv"],
        cwd=copy, env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    merged = copy / CATALOGUE.relative_to(ROOT)
    for only in ("--untranslated", "--only-fuzzy"):
        lacking = subprocess.run(
            ["msgattrib", only, "--no-obsolete", str(merged)], check=True, capture_output=True, text=True
        ).stdout
        assert not lacking.strip(), (
            f"{CATALOGUE.relative_to(ROOT)} lacks these ({only}): run makemessages, translate\n{lacking}"
        )


def test_the_catalogue_is_compiled():
    compiled = CATALOGUE.with_suffix(".mo")
    assert compiled.exists() and compiled.stat().st_mtime >= CATALOGUE.stat().st_mtime, "run make messages"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, headers",
    [({"ui_locales": "fr"}, {}), ({}, {"HTTP_ACCEPT_LANGUAGE": "fr"}), ({"lang": "fr"}, {})],
)
def test_the_hosted_pages_speak_french(query, headers):
    login = Client().get("/login", query, **headers).content.decode()
    assert "Se connecter" in login and "Mot de passe oublié ?" in login and '<html lang="fr">' in login
    assert "Créer un compte" in Client().get("/signup", query, **headers).content.decode()


@pytest.mark.django_db
def test_an_unknown_language_falls_back_to_english():
    page = Client().get("/login", {"lang": "xx"}, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Sign in" in page and '<html lang="en">' in page
