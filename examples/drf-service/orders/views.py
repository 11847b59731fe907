"""One endpoint of the orders service: who is calling, by gql-auth's token."""

from rest_framework.decorators import api_view
from rest_framework.response import Response


@api_view(["GET"])
def my_orders(request):
    return Response({"user": str(request.user.pk), "email": request.user.email, "orders": []})
