"""The HTTP face of the schema."""

from __future__ import annotations

import logging
import os
import re
from types import NoneType

from cross_web import HTTPException
from csp.decorators import csp_replace
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.decorators import method_decorator
from strawberry.django.views import GraphQLView as StrawberryGraphQLView
from strawberry.http import GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError

from schema import persisted
from schema.responses import body_too_large, json_error, never_cached
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


# One encoder for every answer: json.dumps makes a new one at each call it is given options.
ENCODER = DjangoJSONEncoder(separators=(",", ":"))


def may_nest_deeper(body: str | bytes, limit: int) -> bool:
    """False when the body opens at most `limit` objects and lists in all, which
    bounds its depth: most bodies are cleared without walking what they parse to."""
    opening = (b"{", b"[") if isinstance(body, bytes) else ("{", "[")
    return body.count(opening[0]) + body.count(opening[1]) > limit


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


def operation_parts(raw: dict) -> tuple:
    """A request's query, variables and extensions, checked as strawberry checks them."""
    query, variables, extensions = raw.get("query"), raw.get("variables"), raw.get("extensions")
    if not isinstance(query, (str, NoneType)):
        raise HTTPException(400, "The GraphQL operation's `query` must be a string or null, if provided.")
    if not isinstance(variables, (dict, NoneType)):
        raise HTTPException(400, "The GraphQL operation's `variables` must be an object or null, if provided.")
    if not isinstance(extensions, (dict, NoneType)):
        raise HTTPException(400, "The GraphQL operation's `extensions` must be an object or null, if provided.")
    return query, variables, extensions


def new_request_id(request: HttpRequest) -> str:
    """The id this request is logged and answered under."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if REQUEST_ID.fullmatch(given) else os.urandom(16).hex()


def failure(request: HttpRequest, status: int, code: RequestErrorCode, message: str) -> JsonResponse:
    """Log the exception being handled with the request id, and answer with that id alone."""
    logger.exception("%s in request %s", message, request.request_id)
    return json_error(f"{message} (request id {request.request_id}).", status, code=code, request_id=request.request_id)


class Answer(HttpResponse):
    """The response resolvers set cookies and a status on (info.context.response),
    sent as the answer itself: strawberry's encodes an empty JSON object to make
    it, then copies its headers and cookies into a new response."""

    status_code = None  # 200 unless a resolver sets one

    def __repr__(self) -> str:  # Django's would format the status as a number
        return f"<{type(self).__name__} status_code={self.status_code}>"

    def __init__(self) -> None:
        # The charset given, so that setting the content does not look for it in
        # the Content-Type header by regular expression.
        super().__init__(content_type="application/json", charset="utf-8")


class GraphQLView(StrawberryGraphQLView):
    """Strawberry's view, authenticated by API token alone, answering JSON always;
    queries by GET too (GraphQL over HTTP), documents by their hash (schema/persisted.py)."""

    raw: dict | None = None  # the request's JSON object (or query string), as parsed

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        request.request_id = new_request_id(request)
        try:
            request.body.decode()  # strawberry would crash on bytes that are not UTF-8
            set_user_from_token(request)
            follow_the_caller(request)
            response = self.run(request=request)
        except UnicodeDecodeError:
            response = json_error("The request body is not valid UTF-8.", 400, request_id=request.request_id)
        except persisted.DocumentRefused as refusal:
            response = json_error(refusal.message, refusal.status, code=refusal.code, request_id=request.request_id)
        except HTTPException as error:
            # Strawberry answers a malformed request in plain text; clients parse JSON.
            refused_method = error.status_code == 405
            code = RequestErrorCode.METHOD_NOT_ALLOWED if refused_method else None
            response = json_error(error.reason, error.status_code, code=code, request_id=request.request_id)
            if refused_method:  # a mutation by GET may come by POST; anything else, GET or POST
                response["Allow"] = "POST" if request.method == "GET" else "GET, POST"
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
        never_cached(response)
        response["X-Request-ID"] = request.request_id
        return response

    def encode_json(self, data: object) -> str:
        return ENCODER.encode(data)

    def get_sub_response(self, request: HttpRequest) -> Answer:
        return Answer()

    def create_response(self, response_data, sub_response: Answer) -> HttpResponseBase:
        sub_response.content = self.encode_json(response_data)
        if sub_response.status_code is None:
            sub_response.status_code = 200
        return sub_response

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
        if may_nest_deeper(data, JSON_MAX_DEPTH) and nesting_exceeds(parsed, JSON_MAX_DEPTH):
            raise HTTPException(400, f"The request body nests deeper than {JSON_MAX_DEPTH} levels.")
        self.raw = parsed
        return parsed

    def parse_query_params(self, params) -> dict:
        self.raw = super().parse_query_params(params)
        return self.raw

    def parse_http_body(self, request) -> GraphQLRequestData:
        # The two ways clients send (GET, a JSON POST) are read here: strawberry's
        # parse_http_body parses the content type again through email.message
        # (38 K instructions a request), which Django has parsed already. Anything
        # else, a batch among them, is strawberry's to read or refuse.
        if request.method == "GET":
            raw = self.parse_query_params(request.query_params)
        elif request.content_type == "application/json":
            raw = self.parse_json(request.body)
        else:
            raw = None
        if not isinstance(raw, dict):
            data = super().parse_http_body(request)
            if not isinstance(data, GraphQLRequestData) or not isinstance(self.raw, dict):
                # A batch (strawberry refuses it before this, batching being off):
                # never let one past the document rules.
                raise HTTPException(400, "Send one operation per request.")
            raw = self.raw
        query, variables, extensions = operation_parts(raw)
        return GraphQLRequestData(
            query=persisted.resolve(raw, query, settings.GRAPHQL_TRUSTED_DOCUMENTS),
            variables=variables,
            operation_name=raw.get("operationName"),
            extensions=extensions,
        )

    def should_render_graphql_ide(self, request) -> bool:
        # A GET naming its document by hash is a query, not a visit. Strawberry's test
        # first: it settles a POST by its method, before the query string is parsed.
        if not super().should_render_graphql_ide(request):
            return False
        params = request.query_params
        return "documentId" not in params and "extensions" not in params

    def execute_single(self, request, request_adapter, sub_response, context, root_value, request_data):
        try:
            return super().execute_single(request, request_adapter, sub_response, context, root_value, request_data)
        except HTTPException as error:
            # GraphQL over HTTP: a mutation by GET is a method not allowed (405), not a bad request.
            if request_adapter.method == "GET" and isinstance(error.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, "Only queries may be sent by GET: send this by POST.") from None
            raise

    # The explorer (schema/templates/graphql/graphiql.html) loads only this service's
    # files; its stylesheet embeds its fonts as data: URLs.
    @method_decorator(csp_replace({"font-src": ["'self'", "data:"], "connect-src": ["'self'"]}))
    def render_graphql_ide(self, request: HttpRequest) -> HttpResponseBase:
        return super().render_graphql_ide(request)
