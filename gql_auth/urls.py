from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import JavaScriptCatalog

from federation import views as federation
from gql_auth.health import healthz, readyz
from schema.schema import schema
from schema.views import GraphQLView
from users import views as pages

# Exempt from Django's CSRF check: the Authorization header authenticates here,
# or the service's session cookie only on requests no other site can make a
# browser send (users.authentication.cookie_may_authenticate); never Django's
# session cookie.
graphql = csrf_exempt(
    GraphQLView.as_view(
        schema=schema,
        graphql_ide="graphiql" if settings.GRAPHIQL else None,
        # GraphQL over HTTP: queries by GET too (never authenticated by the cookie).
        allow_queries_via_get=True,
    )
)

urlpatterns = [
    path("admin/", admin.site.urls),
    # Probes answer JSON to every method: no CSRF page, no redirect, no HTML.
    path("healthz", csrf_exempt(healthz), name="healthz"),
    path("readyz", csrf_exempt(readyz), name="readyz"),
    path("graphql/", graphql, name="graphql"),
    # Without the slash too: APPEND_SLASH would answer a POST with an HTML 301
    # that clients do not follow with their body.
    path("graphql", graphql),
    # The paths of the links in emails (the contract): PUBLIC_URL/verify-email/<key>.
    path("verify-email/<str:key>", pages.verify_email, name="verify-email"),
    path("reset-password/<str:key>", pages.reset_password, name="reset-password"),
    path("unlock-account/<str:key>", pages.unlock_account, name="unlock-account"),
    # The pages' scripts' messages, in the page's language (`?lang=`: one URL per
    # language, so a cache keeps each apart). The catalogue is gql_auth/locale's djangojs.
    path("pages/messages.js", JavaScriptCatalog.as_view(packages=["users"]), name="page-messages"),
    # Signing in through another identity provider (the contract's v3).
    path("login/external/<slug:slug>", federation.start, name="external-login"),
    path("login/external/<slug:slug>/callback", federation.callback, name="external-login-callback"),
    # The OpenID Connect provider and its hosted login page (the contract's
    # "Signing in to other applications").
    path("", include("provider.urls")),
]

handler400 = "gql_auth.views.bad_request"
handler403 = "gql_auth.views.permission_denied"
handler404 = "gql_auth.views.not_found"
handler500 = "gql_auth.views.server_error"
