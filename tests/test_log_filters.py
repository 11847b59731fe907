"""What a scanner sends does not flood the error log (gql_auth/log_filters.py)."""

import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_refused_host_is_one_warning_line_per_host_not_a_traceback_per_request(caplog):
    client = Client()
    for host in ["scanner.example", "scanner.example", "scanner.example", "other.example"]:
        response = client.get("/healthz", HTTP_HOST=host)
        assert response.status_code == 400 and response.json()["errors"][0]["message"] == "Bad request."
    refused = [record for record in caplog.records if record.name == "django.security.DisallowedHost"]
    assert [(record.levelname, record.getMessage()) for record in refused] == [
        ("WARNING", "Refused a request for host 'scanner.example': not in ALLOWED_HOSTS"),
        ("WARNING", "Refused a request for host 'other.example': not in ALLOWED_HOSTS"),
    ]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]
