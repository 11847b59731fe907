"""Access tokens as RFC 9068 writes them: allauth's JWT, with the header's
`typ: at+jwt`, so that no other JWT signed with the same key (an ID token)
passes for one at a resource server that checks it.

allauth has no seam for a token's header (its claims have one, the adapter's
`populate_access_token`), so its generator is replaced here by the same code
with that header: `tests/provider/test_allauth_pins.py` holds the two alike,
claim for claim, so an upgrade that changes allauth's is seen.
"""

from __future__ import annotations

import time
import uuid

from allauth.idp.oidc import app_settings
from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.internal.oauthlib import server
from allauth.idp.oidc.internal.oauthlib.utils import get_validator_context
from oauthlib.common import Request

from provider import keys

TYPE = "at+jwt"


def generate_jwt_access_token(request: Request) -> str:
    """allauth's `generate_jwt_access_token`, its header saying what the token is."""
    adapter = get_adapter()
    iat = int(time.time())
    access_token = {
        "client_id": request.client.id,
        "iss": adapter.get_issuer(),
        "iat": iat,
        "exp": iat + app_settings.ACCESS_TOKEN_EXPIRES_IN,
        "jti": uuid.uuid4().hex,
        "token_use": "access",  # nosec
    }
    ctx = get_validator_context()
    resources = ctx.requested_resources or ctx.granted_resources
    if resources:
        access_token["aud"] = resources
    if request.user is not None:  # client credentials have none
        access_token["sub"] = adapter.get_user_sub(request.client, request.user)
    if request.scopes:
        access_token["scope"] = " ".join(request.scopes)
    adapter.populate_access_token(access_token, user=request.user, client=request.client, scopes=request.scopes)
    return keys.sign(access_token, typ=TYPE)


def generate_access_token(request: Request) -> str:
    if app_settings.ACCESS_TOKEN_FORMAT == "jwt":
        return generate_jwt_access_token(request)
    return server.generate_opaque_token(request)


def install() -> None:
    """Make allauth's server issue these (it reads its generator at each request)."""
    server.generate_access_token = generate_access_token
