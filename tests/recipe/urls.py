"""The service's URLs with the recipe's schema mounted at /graphql/."""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from gql_auth.urls import urlpatterns as service_urlpatterns
from schema.views import GraphQLView
from tests.recipe.schema import schema

urlpatterns = [
    path("graphql/", csrf_exempt(GraphQLView.as_view(schema=schema, graphql_ide=None, allow_queries_via_get=False))),
    *[pattern for pattern in service_urlpatterns if str(pattern.pattern) != "graphql/"],
]
