from dj_rest_auth.views import UserDetailsView
from django.urls import path
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import IsAuthenticated

from bench import views
from gql_auth.urls import urlpatterns as service_urlpatterns


class RestUserView(UserDetailsView):
    """dj-rest-auth's GET /auth/user/ with DRF's own token authentication."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]


# Before the service's routes: resolved after them, the two would pay for matching
# every route of the service first, which the service's /graphql/ does not.
urlpatterns = [
    path("bench/me", views.me),
    path("auth/user/", RestUserView.as_view()),
    *service_urlpatterns,
]
