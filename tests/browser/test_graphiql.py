"""The explorer at GET /graphql/ works with no internet: every request to another
host is aborted, and it still renders, loads the schema and runs a query."""

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.cspViolations.push(e.violatedDirective + " " + e.blockedURI));
"""


def test_the_explorer_works_offline_under_its_csp(live_server, page, screenshot):
    local = urlsplit(live_server.url).hostname
    requests, aborted, errors = [], [], []

    def only_this_host(route):
        if urlsplit(route.request.url).hostname in (local, "localhost", "127.0.0.1"):
            requests.append(route.request.url)
            route.continue_()
        else:
            aborted.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", only_this_host)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(CSP_VIOLATIONS)
    page.set_viewport_size({"width": 1200, "height": 700})

    page.goto(f"{live_server.url}/graphql/")
    page.locator(".graphiql-container").wait_for()
    # The schema loaded: the explorer plugin lists the root fields.
    with page.expect_response(lambda response: "/graphql/" in response.url and response.request.method == "POST"):
        page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()
    page.locator(".graphiql-response").get_by_text('"me": null').wait_for()
    page.get_by_role("button", name="Show Documentation Explorer").click()
    page.get_by_text("Root Types").wait_for()
    screenshot("graphiql-offline")

    # Documents hold passwords and keys, headers hold tokens: kept in neither the
    # address (history, logs, Referer) nor localStorage.
    assert "?" not in page.url
    assert page.evaluate("Object.keys(localStorage)") == []
    assert aborted == []  # nothing was even asked of another host
    assert page.evaluate("window.cspViolations") == []
    assert errors == []
    assert any(url.endswith("/static/graphiql/graphiql.min.js") for url in requests)
