import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
    }
}


def test_healthz_answers_without_touching_dependencies(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_database_and_cache(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
    }
    assert "no-store" in response["Cache-Control"]


def test_readyz_reports_an_unreachable_cache(client):
    with override_settings(CACHES=UNREACHABLE_CACHE):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "cache": "unavailable",
    }


def test_readyz_says_nothing_of_the_queue_which_would_tell_a_known_address(client, settings, make_user):
    """A reset queues a mail for a known address only: were the queue's figures
    public, their rise would say which addresses have accounts."""
    from tests.support import DATABASE_QUEUE, run_jobs

    settings.TASKS = DATABASE_QUEUE
    make_user("ada@example.com")
    settings.EMAIL_BACKEND = "tests.support.BrokenSMTPBackend"  # the mail waits in the queue
    answers = []
    for email in ("nobody@example.com", "ada@example.com"):
        client.post(
            "/graphql/",
            {"query": f'mutation {{ requestPasswordReset(email: "{email}") {{ success }} }}'},
            content_type="application/json",
        )
        run_jobs()
        answers.append(client.get("/readyz").json())
    assert answers[0] == answers[1] == {"status": "ok", "database": "ok", "cache": "ok"}


def test_operators_read_the_queue_with_manage_py_queue(db, settings, capsys):
    import json

    from django.core.management import call_command

    from tests.support import DATABASE_QUEUE, QUEUED_MAIL
    from users.mail import deliver

    settings.TASKS = DATABASE_QUEUE
    deliver.enqueue(QUEUED_MAIL)
    call_command("queue")
    state = json.loads(capsys.readouterr().out)
    assert state == {"waiting": 1, "oldest_seconds": 0, "failed": 0}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_a_probe_answers_other_methods_in_json_not_a_csrf_page(path):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(path)
    assert (response.status_code, response["Content-Type"]) == (405, "application/json")
    assert response["Allow"] == "GET, HEAD"
