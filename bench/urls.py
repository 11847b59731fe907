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


urlpatterns = [
    *service_urlpatterns,
    path("bench/me", views.me),
    path("auth/user/", RestUserView.as_view()),
]
