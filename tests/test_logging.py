"""Secrets never reach the logs: not passwords, tokens, or emailed keys."""

import logging

from django.core.cache import cache

from tests.documents import LOGIN, LOGOUT, ME, REGISTER, RESEND, STRONG_PASSWORD, VERIFY
from tests.support import key_from


def test_a_whole_account_life_logs_no_secret(gql, mailoutbox, caplog, settings):
    email = "grace@example.com"
    with caplog.at_level(logging.DEBUG):
        gql(REGISTER, {"email": email, "password": STRONG_PASSWORD})
        key = key_from(mailoutbox[0])
        cache.clear()  # past the mail cooldown
        settings.EMAIL_BACKEND = "tests.support.BrokenSMTPBackend"
        gql(RESEND, {"email": email})  # logs the outage
        gql.post("query { nope }", token="gqa_whatever")  # logs a GraphQL error
        gql(VERIFY, {"key": key})
        gql(LOGIN, {"email": email, "password": "a wrong password here"})
        token = gql(LOGIN, {"email": email, "password": STRONG_PASSWORD})["login"]["token"]
        gql(ME, token=token)
        gql(ME, token=token + "x")
        gql(LOGOUT, token=token)
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert caplog.records  # the flows did log: this checks what they logged
    for secret in (STRONG_PASSWORD, "a wrong password here", key, token):
        assert secret not in logged
