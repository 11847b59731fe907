import pytest
from django.contrib.auth.models import AnonymousUser

from users.models import AuthToken


@pytest.fixture
def flow_request(rf):
    """A request as the flows receive it from any face (GraphQL, a page, a script):
    anonymous unless a test signs it in."""

    def make(**meta):
        meta = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Mozilla/5.0 Firefox/140.0", **meta}
        request = rf.post("/", **meta)
        request.user, request.auth = AnonymousUser(), None
        return request

    return make


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Runs the work a flow left for after its transaction (mails, the account)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def signed_in(flow_request):
    """A request made with a session of `user`, and that session."""

    def make(user):
        token, _ = AuthToken.objects.issue(user)
        request = flow_request()
        request.user, request.auth = user, token
        return request, token

    return make
