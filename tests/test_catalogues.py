"""The service's own catalogues (gql_auth/locale): a message the code or a
template marks for translation and a catalogue lacks fails here; the French
pages speak French. `make test` compiles the catalogues first (`make messages`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from gettext import GNUTranslations

import pytest
from django.test import Client

from tests.servers import ROOT

CATALOGUES = sorted((ROOT / "gql_auth" / "locale").glob("*/LC_MESSAGES/*.po"))
LEFT_OUT = shutil.ignore_patterns(
    ".venv", ".git", "node_modules", "examples", "bench", "docs", "tests", "*.mo", "*.sqlite3*"
)


@pytest.mark.skipif(not shutil.which("msgattrib"), reason="needs GNU gettext (apt-get install gettext)")
def test_every_message_the_code_marks_is_translated(tmp_path):
    """makemessages over a copy of the project (as `make catalogues` runs it, for
    the code and templates, and for the pages' scripts) merges what is marked into
    the committed catalogues: nothing may come out untranslated or fuzzy."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=LEFT_OUT)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gql_auth.settings", "DEBUG": "1", "PYTHONPATH": str(copy)}
    for domain in ("django", "djangojs"):
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "--all", "-d", domain, "--no-location", "--ignore=.venv",
             "--ignore=graphiql"],
            cwd=copy, env=env, check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    for catalogue in CATALOGUES:
        merged = copy / catalogue.relative_to(ROOT)
        for only in ("--untranslated", "--only-fuzzy"):
            lacking = subprocess.run(
                ["msgattrib", only, "--no-obsolete", str(merged)], check=True, capture_output=True, text=True
            ).stdout
            assert not lacking.strip(), (
                f"{catalogue.relative_to(ROOT)} lacks these ({only}): run make catalogues, translate\n{lacking}"
            )


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="needs GNU gettext (apt-get install gettext)")
@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: str(path.relative_to(ROOT / "gql_auth" / "locale")))
def test_the_committed_compiled_catalogue_says_what_its_source_says(catalogue, tmp_path):
    """The .mo is committed (a wheel or a clean clone has no msgfmt step of its
    own): it must hold exactly the .po's messages. `make messages` rebuilds it."""
    fresh = tmp_path / "fresh.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(catalogue)], check=True, capture_output=True)
    with catalogue.with_suffix(".mo").open("rb") as committed, fresh.open("rb") as compiled:
        assert GNUTranslations(committed)._catalog == GNUTranslations(compiled)._catalog, "run make messages"


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
@pytest.mark.parametrize(
    "path, text",
    [
        ("/verify-email/not-a-key", "Ce lien n’est pas valide"),
        ("/reset-password/not-a-key", "Choisir un nouveau mot de passe"),
        ("/unlock-account/not-a-key", "Ce lien n’est pas valide"),
    ],
)
def test_the_pages_mails_link_to_speak_french(path, text):
    page = Client().get(path, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert text in page and '<html lang="fr">' in page and "/pages/messages.js?lang=fr" in page


@pytest.mark.django_db
def test_an_unknown_language_falls_back_to_english():
    page = Client().get("/login", {"lang": "xx"}, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Sign in" in page and '<html lang="en">' in page
