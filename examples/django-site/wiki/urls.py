from django.urls import include, path

from wiki import views

urlpatterns = [
    path("", views.home),
    path("oidc/", include("mozilla_django_oidc.urls")),  # gql-auth: /oidc/authenticate/, /oidc/callback/
]
