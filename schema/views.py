"""The HTTP face of the schema."""

from __future__ import annotations

from cross_web import HTTPException
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from strawberry.django.views import GraphQLView as StrawberryGraphQLView

from users.authentication import authenticate_request


class GraphQLView(StrawberryGraphQLView):
    """Strawberry's view, authenticated by API token alone, answering JSON always."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        authenticate_request(request)
        try:
            response = self.run(request=request)
        except HTTPException as error:
            # Strawberry answers a malformed request in plain text; clients parse JSON.
            response = JsonResponse(
                {"errors": [{"message": error.reason}]}, status=error.status_code
            )
        response["Cache-Control"] = "no-store"
        return response
