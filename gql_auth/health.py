"""Probes for load balancers and orchestrators."""

import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from schema.responses import json_error
from users.cache_keys import cache_key
from users.outages import is_outage, report

logger = logging.getLogger(__name__)


def report_unready(error: Exception, message: str) -> None:
    # Probes come every few seconds: an outage is logged once per outage.
    if is_outage(error):
        report(error)
    else:
        logger.exception(message)


def probe(view):
    """A probe answers GET and HEAD; anything else a JSON 405."""

    def answer(request: HttpRequest) -> JsonResponse:
        if request.method not in ("GET", "HEAD"):
            response = json_error("Probes answer GET and HEAD only.", 405)
            response["Allow"] = "GET, HEAD"
            return response
        return view(request)

    return answer


@probe
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering; says nothing of its dependencies."""
    return JsonResponse({"status": "ok"})


PROBE_KEY = cache_key("readyz")


@probe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The process can serve: its database and its cache both answer. The
    queue's figures are not here (users/workers.py logs them; `manage.py
    queue`): a public probe would tell whether a flow queued a mail."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:
        report_unready(error, "Readiness: database unreachable")
        checks["database"] = "unavailable"
    try:
        cache.set(PROBE_KEY, "1", timeout=5)
        checks["cache"] = "ok" if cache.get(PROBE_KEY) == "1" else "unavailable"
    except Exception as error:
        report_unready(error, "Readiness: cache unreachable")
        checks["cache"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503)
