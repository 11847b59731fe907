"""The ceiling: the least a Django view can do to answer `me` with the same JSON,
through the same middleware and the same token lookup as the service."""

from django.http import HttpRequest, JsonResponse

from users.authentication import set_user_from_token


def me(request: HttpRequest) -> JsonResponse:
    set_user_from_token(request)
    user = request.user
    if not user.is_authenticated:
        return JsonResponse({"data": {"me": None}})
    return JsonResponse(
        {"data": {"me": {"id": str(user.pk), "email": user.email, "emailVerified": user.email_verified}}}
    )
