"""The DRF authentication class, as another DRF service of the organisation uses it."""

import pytest
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from users.authentication import TokenAuthentication


class WhoAmI(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"email": request.user.email, "session": request.auth.pk})


def call(header=None):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    return WhoAmI.as_view()(APIRequestFactory().get("/whoami/", **extra))


@pytest.fixture
def token(make_user, login):
    make_user()
    return login()


@pytest.mark.parametrize("keyword", ["Token", "Bearer"])
def test_valid_token_authenticates(token, keyword):
    response = call(f"{keyword} {token}")
    assert response.status_code == 200
    assert response.data["email"] == "ada@example.com"


@pytest.mark.parametrize("header", [None, "Basic Zm9vOmJhcg=="])
@pytest.mark.usefixtures("db")
def test_no_token_is_unauthenticated(header):
    response = call(header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("header", ["Token", "Token a b", "Bearer gqa_wrong"])
@pytest.mark.usefixtures("token")
def test_bad_token_is_refused_with_401(header):
    response = call(header)
    assert response.status_code == 401


def test_revoked_token_is_refused(token, gql):
    gql("mutation { logout { success } }", token=token)
    assert call(f"Token {token}").status_code == 401
