"""The recipe of docs/applications.md, "Sign in to other applications", working: a DRF service
that accepts the provider's access tokens through allauth's resource-server
classes (it shares the service's database, where they look tokens up)."""

from allauth.idp.oidc.contrib.rest_framework.authentication import TokenAuthentication
from allauth.idp.oidc.contrib.rest_framework.permissions import TokenPermission
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from gql_auth.urls import urlpatterns as service_urlpatterns


class OrdersView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [TokenPermission.has_scope(["orders:read"])]

    def get(self, request):
        return Response({"client_id": request.auth.client_id, "user": getattr(request.user, "pk", None)})


# Beside the service's own URLs, so the test gets its tokens from the same server.
urlpatterns = [path("api/orders", OrdersView.as_view()), *service_urlpatterns]
