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
        "queue": {"waiting": 0, "oldest_seconds": 0, "failed": 0},
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
        "queue": {"waiting": 0, "oldest_seconds": 0, "failed": 0},
    }


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_a_probe_answers_other_methods_in_json_not_a_csrf_page(path):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(path)
    assert (response.status_code, response["Content-Type"]) == (405, "application/json")
    assert response["Allow"] == "GET, HEAD"
