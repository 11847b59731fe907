"""The language of pages and mails (users/languages.py): LANGUAGES, chosen in
the contract's order (ui_locales, lang, the person's own, Accept-Language),
`setLanguage`, and a mail in its recipient's language."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import translation

from tests.documents import STRONG_PASSWORD
from users.adapter import AccountAdapter
from users.languages import parse_languages
from users.models import User

pytestmark = pytest.mark.django_db

SET = "mutation($l: String!) { setLanguage(language: $l) { success errors { field code message } } }"


def test_languages_come_from_the_environment_english_among_them():
    assert [code for code, _ in parse_languages("en, fr")] == ["en", "fr"]
    for bad in ("fr", "en,xx", ""):
        with pytest.raises(ImproperlyConfigured):
            parse_languages(bad)


@pytest.mark.parametrize(
    "query, headers, expected",
    [
        ({}, {}, "en"),
        ({}, {"HTTP_ACCEPT_LANGUAGE": "fr-CA,fr;q=0.9,en;q=0.5"}, "fr"),
        ({"lang": "fr"}, {"HTTP_ACCEPT_LANGUAGE": "en"}, "fr"),
        ({"lang": "en", "ui_locales": "fr-FR en"}, {}, "fr"),
        ({"next": "/identity/o/authorize?client_id=x&ui_locales=fr"}, {}, "fr"),
        ({"lang": "xx"}, {"HTTP_ACCEPT_LANGUAGE": "de"}, "en"),  # neither offered: English
    ],
)
def test_a_page_speaks_the_language_chosen_in_the_contracts_order(query, headers, expected):
    page = Client().get("/login", query, **headers)
    assert page["Content-Language"] == expected
    assert f'<html lang="{expected}">' in page.content.decode()
    assert "Accept-Language" in page["Vary"]


def test_the_signed_in_persons_language_comes_before_the_browsers(gql, ada, login):
    token = login()
    assert gql(SET, {"l": "fr"}, token=token)["setLanguage"]["success"]
    assert gql("{ me { language } }", token=token)["me"]["language"] == "fr"
    browser = Client()  # signed in on the hosted page: its cookie session is the person's
    browser.post("/login", {"step": "password", "email": ada.email, "password": STRONG_PASSWORD})
    assert browser.get("/login", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "fr"
    assert browser.get("/login", {"lang": "en"})["Content-Language"] == "en"


def test_set_language_takes_only_an_offered_language(gql, ada, login):
    token = login()
    refused = gql(SET, {"l": "xx"}, token=token)["setLanguage"]["errors"][0]
    assert refused["field"] == "language" and refused["code"] == "INVALID_INPUT" and "en, fr" in refused["message"]
    assert gql(SET, {"l": "fr"})["setLanguage"]["errors"][0]["code"] == "NOT_AUTHENTICATED"
    assert User.objects.get().language == ""


def test_a_mail_speaks_its_recipients_language_whoever_caused_it(make_user, monkeypatch, rf):
    make_user("ada@example.com", language="fr")
    spoken = []
    monkeypatch.setattr(
        AccountAdapter, "render_mail", lambda self, *args: spoken.append(translation.get_language()) or None
    )
    monkeypatch.setattr("users.adapter.queue", lambda message: None)
    adapter = AccountAdapter(rf.get("/"))
    with translation.override("en"):
        adapter.send_mail("account/email/password_changed", "ada@example.com", {})
        adapter.send_mail("account/email/account_already_exists", "nobody@example.com", {})
    assert spoken == ["fr", "en"]


def test_a_mails_html_names_the_language_it_speaks(make_user, rf, django_capture_on_commit_callbacks):
    from django.core import mail

    make_user("ada@example.com", language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        AccountAdapter(rf.get("/")).send_mail("account/email/account_already_exists", "ada@example.com", {})
    (html, _), *_ = mail.outbox[-1].alternatives
    assert '<html lang="fr">' in html


def french(message) -> bool:
    """Whether a mail, subject, text and HTML, is the French catalogue's."""
    (html, _), *_ = message.alternatives
    return "Bonjour de la part de" in message.body and '<html lang="fr">' in html and "e-mail" in message.subject


@pytest.mark.parametrize(
    "path, query, headers",
    [
        ("/graphql/", {}, {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}),
        ("/signup", {"ui_locales": "fr"}, {}),
        ("/signup", {"lang": "fr"}, {"HTTP_ACCEPT_LANGUAGE": "en"}),
    ],
    ids=["graphql-accept-language", "signup-ui-locales", "signup-lang"],
)
def test_a_new_addresss_mail_speaks_the_language_of_the_request_that_made_it(
    path, query, headers, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tests.documents import REGISTER

    with django_capture_on_commit_callbacks(execute=True):
        if path == "/graphql/":
            body = {"query": REGISTER, "variables": {"email": "ada@example.com", "password": STRONG_PASSWORD}}
            Client().post(path, body, content_type="application/json", **headers)
        else:
            Client().post(f"{path}?{'&'.join(f'{k}={v}' for k, v in query.items())}",
                          {"email": "ada@example.com", "password": STRONG_PASSWORD}, **headers)  # fmt: skip
    (message,) = mail.outbox
    assert french(message), message.body
    assert (
        message.subject == "[gql-auth] Confirmez votre adresse e-mail"
        and "Le lien marche pendant 3 jours" in message.body
    )


@pytest.mark.parametrize("owner, expected", [("fr", True), ("en", False)])
def test_a_mail_to_an_account_speaks_its_owners_language_not_the_requests(
    gql, make_user, owner, expected, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tests.documents import REQUEST_RESET

    make_user("ada@example.com", language=owner)
    other = "fr" if owner == "en" else "en"
    gql(REQUEST_RESET, {"email": "ada@example.com"}, HTTP_ACCEPT_LANGUAGE=other)
    (message,) = mail.outbox
    assert (message.subject == "[gql-auth] Réinitialisez votre mot de passe") is expected
    assert ("Pour choisir un nouveau mot de passe, ouvrez ce lien" in message.body) is expected


def test_an_unknown_language_mails_in_english(gql, django_capture_on_commit_callbacks):
    from django.core import mail

    from tests.documents import REGISTER

    gql(REGISTER, {"email": "ada@example.com", "password": STRONG_PASSWORD}, HTTP_ACCEPT_LANGUAGE="xx, de;q=0.5")
    (message,) = mail.outbox
    assert message.subject == "[gql-auth] Confirm your email address" and "Hello from" in message.body


@pytest.mark.parametrize(
    "accept, wrong, too_long",
    [
        ("fr", "L’adresse e-mail ou le mot de passe est incorrect.", "Une adresse e-mail a au plus 254 caractères."),
        ("en", "The email address or the password is wrong.", "An email address has at most 254 characters."),
    ],
)
def test_the_apis_messages_speak_the_callers_language(gql, ada, accept, wrong, too_long):
    from tests.documents import LOGIN

    answer = gql(LOGIN, {"email": "ada@example.com", "password": "not the password"}, HTTP_ACCEPT_LANGUAGE=accept)
    assert answer["login"]["errors"][0]["message"] == wrong
    answer = gql(LOGIN, {"email": "a" * 250 + "@x.example", "password": "x"}, HTTP_ACCEPT_LANGUAGE=accept)
    assert answer["login"]["errors"][0]["message"] == too_long


def test_a_wait_is_said_in_the_callers_language():
    from users.ratelimits import humanize

    with translation.override("fr"):
        assert [humanize(s) for s in (1, 90, 7200, 86400 * 2)] == ["1 seconde", "2 minutes", "2 heures", "2 jours"]
    assert [humanize(s) for s in (1, 30, 60, 3600)] == ["1 second", "30 seconds", "1 minute", "1 hour"]


def test_a_token_callers_own_language_answers_the_api_before_the_browsers(gql, make_user, login):
    from tests.documents import CHANGE

    make_user("ada@example.com", language="fr")
    token = login()
    wrong = gql(CHANGE, {"old": "not it", "new": "x" * 20}, token=token, HTTP_ACCEPT_LANGUAGE="en")
    assert wrong["changePassword"]["errors"][0]["message"] == "Le mot de passe actuel est incorrect."
    asked = gql.client.post(
        "/graphql/?lang=en",
        {"query": CHANGE, "variables": {"old": "not it", "new": "x" * 20}},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    ).json()["data"]
    assert asked["changePassword"]["errors"][0]["message"] == "The current password is wrong."
