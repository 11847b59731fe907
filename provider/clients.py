"""Registering the organisation's applications as OpenID clients: the rules the
`oidc_client` command and the admin share."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from allauth.idp.oidc.models import Client
from django.contrib.auth.hashers import make_password

from provider.hashers import ClientSecretHasher
from users import tokens
from users.origins import LOOPBACK_HOSTS

DEVICE_CODE = Client.GrantType.DEVICE_CODE.value  # RFC 8628's URN
GRANTS = ("authorization_code", "refresh_token", "client_credentials", DEVICE_CODE)
# What the command takes for a grant besides its own name.
GRANT_ALIASES = {"device_code": DEVICE_CODE}
# The grants in which a person signs in (and so gets ID tokens and refresh tokens).
SIGN_IN_GRANTS = ("authorization_code", DEVICE_CODE)
DEFAULT_GRANTS = ["authorization_code", "refresh_token"]
DEFAULT_SCOPES = ["openid", "profile", "email"]
# RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,100}")
# This service's own settings of a client, in allauth's `Client.data` beside its own keys.
OURS = "gql_auth"


CORS_FOR_PUBLIC_CLIENTS = "CORS origins are for public browser apps; a confidential client calls from its server."


class ClientError(ValueError):
    """Client settings that cannot be registered; the message says why."""


def new_secret() -> str:
    return tokens.generate_secret(prefix="")  # 256 bits


def kept(secret: str) -> str:
    """What is stored of a client's secret (provider/hashers.py)."""
    return make_password(secret, hasher=ClientSecretHasher.algorithm)


def set_secret(client: Client) -> str:
    """Give `client` a new secret; return it (it is kept only as a digest)."""
    secret = new_secret()
    client.secret = kept(secret)
    return secret


def clean_redirect_uri(uri: str) -> str:
    """An absolute URI with no fragment (RFC 6749 3.1.2): https, http on a
    loopback host (development, native apps' loopback redirects, RFC 8252 7.3),
    or a native app's private-use scheme such as `com.example.app:/callback`."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        raise ClientError(f"Redirect URI {uri!r} is not a URI.") from None
    if not parts.scheme or parts.fragment or "#" in uri or any(c.isspace() for c in uri) or "*" in uri:
        raise ClientError(f"Redirect URI {uri!r} must be absolute, without a fragment, spaces or wildcards.")
    if parts.scheme in ("http", "https") and not parts.hostname:
        raise ClientError(f"Redirect URI {uri!r} has no host.")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ClientError(f"Redirect URI {uri!r} must use https (http only on localhost, 127.0.0.1 or [::1]).")
    if parts.scheme in ("javascript", "data", "file", "vbscript"):
        raise ClientError(f"Redirect URI {uri!r} uses a scheme no application may receive at.")
    return uri


def clean_origin(origin: str) -> str:
    """A browser origin, `scheme://host[:port]`, as browsers send it."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname or origin != f"{parts.scheme}://{parts.netloc}":
        raise ClientError(f"CORS origin {origin!r} must be scheme://host[:port], with nothing after.")
    return origin


def clean_resource(uri: str) -> str:
    """A resource indicator: an absolute URI with no fragment (RFC 8707 2)."""
    parts = urlsplit(uri)
    if not parts.scheme or not parts.netloc or parts.fragment or "#" in uri or any(c.isspace() for c in uri):
        raise ClientError(
            f"Audience {uri!r} must be an absolute URI without a fragment, such as https://api.example.org."
        )
    return uri


def clean_backchannel_logout_uri(uri: str) -> str:
    """Where the service POSTs logout tokens: https, or http on a loopback host
    in development (OIDC Back-Channel Logout 2.2); no fragment."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ClientError(f"Back-channel logout URI {uri!r} must be https (http only on a loopback host).")
    return clean_redirect_uri(uri)


def signs_people_in(grants) -> bool:
    return any(grant in SIGN_IN_GRANTS for grant in grants)


def clean_grants(grants, *, public: bool) -> list[str]:
    """The grants a client may be given (the command and the admin both ask
    this): known ones, none needing a secret for a public client, refresh
    tokens only beside a sign-in, the device flow only for a public client."""
    grants = list(dict.fromkeys(GRANT_ALIASES.get(grant, grant) for grant in grants))
    unknown = [grant for grant in grants if grant not in GRANTS]
    if unknown:
        raise ClientError(f"Unknown grant {unknown[0]!r}; choose from {', '.join(GRANTS)}.")
    if public and "client_credentials" in grants:
        raise ClientError("A public client has no secret, so it cannot use client_credentials.")
    if "refresh_token" in grants and not signs_people_in(grants):
        raise ClientError("refresh_token needs authorization_code or device_code: refresh tokens come from a sign-in.")
    if DEVICE_CODE in grants and not public:
        # allauth's device flow knows public clients only (a TV or a CLI keeps no secret).
        raise ClientError("device_code is for --public clients: a device keeps no secret.")
    return grants


def service_settings(
    *,
    public: bool,
    resource_server: object = False,
    audience: object = None,
    backchannel_logout_uri: object = None,
) -> dict:
    """This service's settings of a client (kept in `Client.data`), checked: the
    command and the admin both ask this."""
    if not isinstance(resource_server, bool):
        raise ClientError("resource_server is true or false.")
    if resource_server and public:
        raise ClientError("A resource server authenticates when it introspects: it cannot be --public.")
    if audience is not None:
        if not isinstance(audience, str):
            raise ClientError("An audience is an absolute URI, such as https://api.example.org.")
        audience = clean_resource(audience)
    if backchannel_logout_uri is not None:
        if not isinstance(backchannel_logout_uri, str):
            raise ClientError("A back-channel logout URI is https (http only on a loopback host).")
        backchannel_logout_uri = clean_backchannel_logout_uri(backchannel_logout_uri)
    return {"resource_server": resource_server, "audience": audience, "backchannel_logout_uri": backchannel_logout_uri}


SETTINGS = ("resource_server", "audience", "backchannel_logout_uri")


def is_resource_server(client: Client) -> bool:
    return bool(((client.data or {}).get(OURS) or {}).get("resource_server"))


def audience_of(client: Client) -> str | None:
    return ((client.data or {}).get(OURS) or {}).get("audience")


def backchannel_logout_uri_of(client: Client) -> str | None:
    return ((client.data or {}).get(OURS) or {}).get("backchannel_logout_uri")


def clean_scope(scope: str) -> str:
    if not SCOPE_TOKEN.fullmatch(scope):
        raise ClientError(f"Scope {scope!r} is not a scope token (printable ASCII, no spaces, quotes or backslashes).")
    return scope


def create(
    *,
    name: str,
    redirect_uris: list[str] = (),
    public: bool = False,
    grants: list[str] | None = None,
    scopes: list[str] | None = None,
    post_logout_redirect_uris: list[str] = (),
    cors_origins: list[str] = (),
    consent: bool = False,
    resource_server: bool = False,
    audience: str | None = None,
    backchannel_logout_uri: str | None = None,
) -> tuple[Client, str | None]:
    """Register a client; return it with its secret (None for a public client),
    which is shown this once.

    A public client whose redirect URIs are not all https is asked consent for
    even when called first-party: any program on a device can claim its
    custom scheme or loopback port and its client id (RFC 8252 8.6).

    `resource_server`: an API that may introspect the tokens other clients
    were given (any other client learns nothing of them, RFC 7662 2.1).
    `audience`: the resource its access tokens are for when a request names
    none (RFC 8707's `resource` otherwise), their `aud` (RFC 9068 3).
    `backchannel_logout_uri`: where it hears that a sign-in ended (provider/logout.py)."""
    name = name.strip()
    if not name or len(name) > Client._meta.get_field("name").max_length:
        raise ClientError("A client needs a name of 1 to 100 characters.")
    grants = clean_grants(grants or DEFAULT_GRANTS, public=public)
    signs_in = signs_people_in(grants)
    redirect_uris = [clean_redirect_uri(uri) for uri in dict.fromkeys(redirect_uris)]
    post_logout_redirect_uris = [clean_redirect_uri(uri) for uri in dict.fromkeys(post_logout_redirect_uris)]
    if "authorization_code" in grants and not redirect_uris:
        raise ClientError("authorization_code needs at least one --redirect-uri.")
    if "authorization_code" not in grants and (redirect_uris or post_logout_redirect_uris):
        raise ClientError("Redirect URIs are for clients that sign people in (authorization_code).")
    scopes = [clean_scope(scope) for scope in dict.fromkeys(scopes or DEFAULT_SCOPES)]
    if signs_in and "openid" not in scopes:
        scopes.insert(0, "openid")

    cors_origins = [clean_origin(origin) for origin in dict.fromkeys(cors_origins)]
    if cors_origins and not public:
        raise ClientError(CORS_FOR_PUBLIC_CLIENTS)
    impersonable = public and not all(uri.startswith("https://") for uri in redirect_uris)
    ours = service_settings(
        public=public, resource_server=resource_server, audience=audience, backchannel_logout_uri=backchannel_logout_uri
    )
    if backchannel_logout_uri and not signs_in:
        raise ClientError(
            "A back-channel logout URI is for clients that sign people in (authorization_code, device_code)."
        )

    secret = new_secret()
    client = Client(
        name=name,
        type=Client.Type.PUBLIC if public else Client.Type.CONFIDENTIAL,
        skip_consent=not (consent or impersonable),
        # Given, so that allauth's default (an Argon2 hash of another secret) is not made.
        secret=kept(secret),
    )
    client.set_cors_origins(cors_origins)
    client.set_grant_types(grants)
    client.set_redirect_uris(redirect_uris)
    client.set_scopes(scopes)
    if signs_in:
        client.set_default_scopes([scope for scope in ("openid", "email") if scope in scopes])
    else:
        # A service acting as itself has no person: no identity scopes unless asked.
        client.set_default_scopes([scope for scope in scopes if scope not in DEFAULT_SCOPES])
    client.set_response_types(["code"] if "authorization_code" in grants else [])
    if post_logout_redirect_uris:
        client.set_post_logout_redirect_uris(post_logout_redirect_uris)
    if resource_server or audience or backchannel_logout_uri:
        client.data = {**(client.data or {}), OURS: ours}
    client.save()
    return client, (None if public else secret)


def describe(client: Client) -> dict:
    """What a script may read of a client: never its secret."""
    return {
        "client_id": client.id,
        "name": client.name,
        "type": client.type,
        "redirect_uris": client.get_redirect_uris(),
        "post_logout_redirect_uris": client.get_post_logout_redirect_uris(),
        "grant_types": client.get_grant_types(),
        "scopes": client.get_scopes(),
        "cors_origins": client.get_cors_origins(),
        "consent": not client.skip_consent,
        "resource_server": is_resource_server(client),
        "audience": audience_of(client),
        "backchannel_logout_uri": backchannel_logout_uri_of(client),
        "created_at": client.created_at.isoformat(),
    }
