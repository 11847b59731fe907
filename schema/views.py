"""The HTTP face of the schema."""

from __future__ import annotations

import logging
import re
import uuid

from cross_web import HTTPException
from csp.decorators import csp_replace
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from strawberry.django.views import GraphQLView as StrawberryGraphQLView

from schema.responses import body_too_large, json_error
from users.authentication import set_user_from_token
from users.errors import RequestErrorCode
from users.languages import follow_the_caller
from users.outages import is_outage, report

logger = logging.getLogger("gql_auth.graphql")

# A request id a proxy in front of us chose is kept if it looks like one.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# The deepest JSON a client of the contract sends is a WebAuthn credential (about 5
# levels); deeper bodies are refused before anything walks them recursively.
JSON_MAX_DEPTH = 32


def nesting_exceeds(value: object, limit: int) -> bool:
    """Whether `value` nests lists and objects deeper than `limit` (walked without recursion)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                pending.append((child, depth + 1))
    return False


def new_request_id(request: HttpRequest) -> str:
    """The id this request is logged and answered under."""
    given = request.headers.get("X-Request-ID", "")
    return given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def failure(request: HttpRequest, status: int, code: RequestErrorCode, message: str) -> JsonResponse:
    """Log the exception being handled with the request id, and answer with that id alone."""
    logger.exception("%s in request %s", message, request.request_id)
    return json_error(f"{message} (request id {request.request_id}).", status, code=code, request_id=request.request_id)


class GraphQLView(StrawberryGraphQLView):
    """Strawberry's view, authenticated by API token alone, answering JSON always."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        request.request_id = new_request_id(request)
        try:
            request.body.decode()  # strawberry would crash on bytes that are not UTF-8
            set_user_from_token(request)
            follow_the_caller(request)
            response = self.run(request=request)
        except UnicodeDecodeError:
            response = json_error("The request body is not valid UTF-8.", 400, request_id=request.request_id)
        except HTTPException as error:
            # Strawberry answers a malformed request in plain text; clients parse JSON.
            response = json_error(error.reason, error.status_code, request_id=request.request_id)
        except RequestDataTooBig:
            response = body_too_large(request, request.request_id)
        except Exception as error:
            if is_outage(error):
                # Outside any resolver (the token lookup): the database or the cache
                # is away. Say so, so load balancers and clients retry.
                report(error, request.request_id)
                response = json_error(
                    f"Service temporarily unavailable (request id {request.request_id}).",
                    503,
                    code=RequestErrorCode.SERVICE_UNAVAILABLE,
                    request_id=request.request_id,
                )
            else:
                # A bug outside any resolver. Answered here rather than by Django, whose
                # DEBUG page would show settings and the environment to the client.
                response = failure(request, 500, RequestErrorCode.INTERNAL_SERVER_ERROR, "Internal server error")
        add_never_cache_headers(response)
        response["X-Request-ID"] = request.request_id
        return response

    def parse_json(self, data: str | bytes) -> object:
        try:
            parsed = self.decode_json(data)
        except (ValueError, RecursionError):
            # ValueError: not JSON, or a number too long to convert (over 4,300
            # digits); RecursionError: nesting deeper than Python's stack.
            raise HTTPException(400, "Unable to parse request body as JSON") from None
        # Strawberry expects an object (or a batch list) and crashes on a bare value.
        if not isinstance(parsed, (dict, list)):
            raise HTTPException(400, "The request body must be a JSON object.")
        if nesting_exceeds(parsed, JSON_MAX_DEPTH):
            raise HTTPException(400, f"The request body nests deeper than {JSON_MAX_DEPTH} levels.")
        return parsed

    # The explorer (schema/templates/graphql/graphiql.html) loads only this service's
    # files; its stylesheet embeds its fonts as data: URLs.
    @method_decorator(csp_replace({"font-src": ["'self'", "data:"], "connect-src": ["'self'"]}))
    def render_graphql_ide(self, request: HttpRequest) -> HttpResponseBase:
        return super().render_graphql_ide(request)
