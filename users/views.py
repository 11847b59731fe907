"""The pages that email links land on.

Opening a link changes nothing on the server (mail scanners prefetch links):
the page's script calls the GraphQL API when a person is there to see it.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def key_page(template: str):
    def view(request: HttpRequest, key: str) -> HttpResponse:
        response = render(request, template, {"key": key, "login_url": settings.LOGIN_PAGE_URL})
        # The key is in the URL: send it to no other site, keep it in no cache.
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "no-store"
        return response

    return view


verify_email = key_page("pages/verify_email.html")
reset_password = key_page("pages/reset_password.html")
