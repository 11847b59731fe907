"""Mail goes out after the answer, from a background thread."""

import time

import pytest

from tests.documents import REGISTER, STRONG_PASSWORD
from tests.support import GatedBackend


# Transactional: the background thread writes the account through its own
# connection, outside the test's transaction.
@pytest.mark.django_db(transaction=True)
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


@pytest.mark.django_db(transaction=True)
def test_the_work_after_the_answer_starts_once_the_answer_is_made(client, settings, monkeypatch):
    """Not beside the request (where it would compete with it and show in its time):
    jobs wait for Django's request_finished, which the server sends once the answer is out."""
    from schema.views import GraphQLView
    from users import background

    settings.EMAIL_SEND_IN_BACKGROUND = True
    events = []
    monkeypatch.setattr(background.pool, "submit", lambda *args: events.append("job started"))
    dispatch = GraphQLView.dispatch

    def answering(self, *args, **kwargs):
        response = dispatch(self, *args, **kwargs)
        events.append("answer made")
        return response

    monkeypatch.setattr(GraphQLView, "dispatch", answering)
    client.post(
        "/graphql/",
        {"query": 'mutation { requestPasswordReset(email: "a@example.com") { success } }'},
        content_type="application/json",
    )
    assert events == ["answer made", "job started"]


@pytest.mark.parametrize(
    "mutation, variables",
    [
        (REGISTER, {"email": "lost@example.com", "password": STRONG_PASSWORD}),
        (
            "mutation R($email: String!) { requestPasswordReset(email: $email) { success } }",
            {"email": "lost@example.com"},
        ),
    ],
)
def test_work_after_the_answer_is_not_promised_while_the_database_is_away(
    gql, settings, monkeypatch, mutation, variables
):
    """A connection kept open from before an outage does not notice it until a
    query: without one, register would answer success and lose the account."""
    from django.db import OperationalError, connection

    from users import background

    settings.RATE_LIMITS = {}  # the limits' counts are in the database: they would notice first
    settings.EMAIL_SEND_IN_BACKGROUND = True
    connection.ensure_connection()  # open, as a server thread's persistent connection is
    jobs = []
    monkeypatch.setattr(background.pool, "submit", lambda *args: jobs.append(args))

    def away(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "cursor", away)
    response = gql.post(mutation, variables)
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert jobs == []
