"""The mail flows answer a known and an unknown address with the same work.

Timing is not asserted (it is noise here); what runs before the answer is: no
SQL query but the one INSERT that queues a job (users.jobs) and no template
for either address, the same cache traffic. Everything that depends on the
address (lookup, key, rendering, mail) is in that job.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from tests.documents import STRONG_PASSWORD
from tests.support import DATABASE_QUEUE

CACHE_TABLE = "gql_auth_cache"

FLOWS = {
    "requestPasswordReset": "mutation($e: String!) { r: requestPasswordReset(email: $e) { success } }",
    "resendVerificationEmail": "mutation($e: String!) { r: resendVerificationEmail(email: $e) { success } }",
    "register": f'mutation($e: String!) {{ r: register(email: $e, password: "{STRONG_PASSWORD}") {{ success }} }}',
}


class CacheCalls:
    def __init__(self, monkeypatch):
        self.calls = []
        for name in ("get", "set", "add", "delete", "get_many", "incr"):
            original = getattr(cache, name)
            monkeypatch.setattr(cache, name, lambda *a, _n=name, _o=original, **k: self.calls.append(_n) or _o(*a, **k))


def before_the_answer(gql, document, email, django_capture_on_commit_callbacks, cache_calls):
    rendered = []

    def record(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(record)
    cache_calls.calls.clear()
    try:
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=False) as deferred,
        ):
            response = gql.client.post(
                "/graphql/", {"query": document, "variables": {"e": email}}, content_type="application/json"
            )
    finally:
        template_rendered.disconnect(record)
    assert response.json()["data"]["r"]["success"]
    # Without Redis the cache is a database table: its queries are the cache
    # traffic, compared by count (their keys are digests of the address).
    sql = [q["sql"] for q in queries.captured_queries]
    cache_queries = [q for q in sql if CACHE_TABLE in q or "SAVEPOINT" in q]  # with the cache's savepoints
    # Compared by statement, not by its values (the job's arguments name the address).
    other = [q.split(" VALUES ")[0] for q in sql if q not in cache_queries]
    return other, len(cache_queries), rendered, len(deferred), list(cache_calls.calls)


@pytest.mark.parametrize("flow", FLOWS)
def test_known_and_unknown_addresses_do_the_same_work_before_the_answer(
    gql, make_user, django_capture_on_commit_callbacks, monkeypatch, settings, flow
):
    settings.TASKS = DATABASE_QUEUE
    make_user("ada@example.com", verified=flow != "resendVerificationEmail")
    cache_calls = CacheCalls(monkeypatch)
    known = before_the_answer(gql, FLOWS[flow], "ada@example.com", django_capture_on_commit_callbacks, cache_calls)
    unknown = before_the_answer(gql, FLOWS[flow], "nobody@example.com", django_capture_on_commit_callbacks, cache_calls)
    assert known == unknown
    queries, _, rendered, deferred, _ = known
    # The one query queues the job, the same for all.
    (insert,) = queries
    assert insert.startswith(f'INSERT INTO "{DBTaskResult._meta.db_table}"')
    assert rendered == [] and deferred == 0
