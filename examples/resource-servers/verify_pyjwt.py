"""A resource server in plain Python: check gql-auth's access tokens offline
with PyJWT's PyJWKClient (docs/applications.md, "Sign in to other applications").

    ISSUER=http://localhost:8000 python verify_pyjwt.py <access token>
"""

import json
import os
import sys

import jwt

ISSUER = os.environ.get("ISSUER", "http://localhost:8000")
# Fetches the published keys once and again only for a key id it has not seen.
jwks = jwt.PyJWKClient(f"{ISSUER}/.well-known/jwks.json", cache_keys=True, timeout=10)


def verify(token: str) -> dict:
    """The token's claims, if gql-auth signed it, it has not expired, and it is an
    access token (RFC 9068's `typ`: an ID token is signed with the same key, but is
    not a credential)."""
    key = jwks.get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token, key.key, algorithms=["RS256"], issuer=ISSUER, options={"require": ["exp", "iat", "iss", "client_id"]}
    )
    if jwt.get_unverified_header(token).get("typ") != "at+jwt" or claims.get("token_use") != "access":
        raise jwt.InvalidTokenError("not an access token")
    return claims


if __name__ == "__main__":
    try:
        print(json.dumps(verify(sys.argv[1])))
    except jwt.PyJWTError as error:
        sys.exit(f"refused: {error}")
