"""Web origins (scheme, host, port), as browsers send them in `Origin`, and
the rule for the servers this service calls out to."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.http import url_has_allowed_host_and_scheme

from users.app_settings import app_settings

DEFAULT_PORTS = {"http": ":80", "https": ":443"}
# The hosts where plain http is this machine's own (RFC 8252 7.3): redirects, receivers in development.
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


def outbound_url(url: str, *, http_on_loopback: bool) -> SplitResult:
    """`url` split, if it may be a server this service calls out to (a webhook
    receiver, an identity provider's issuer): https with a host and no
    fragment; http only on a loopback host, where `http_on_loopback`
    (development). Else ValueError, whose message follows the URL's name."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValueError("is not a URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        raise ValueError("must be an https URL with a host and no fragment.")
    if parts.scheme == "http" and not (http_on_loopback and parts.hostname in LOOPBACK_HOSTS):
        raise ValueError("must be https (http only on a loopback host, in development).")
    return parts


def origin_of(url: str) -> str:
    """`https://Auth.example.org:443/path` -> `https://auth.example.org`, the form a
    browser sends: lower case, no path, no default port."""
    parts = urlsplit(url.strip())
    scheme, netloc = parts.scheme.lower(), parts.netloc.lower().rpartition("@")[2]
    default = DEFAULT_PORTS.get(scheme)
    if default and netloc.endswith(default):
        netloc = netloc.removesuffix(default)
    return f"{scheme}://{netloc}"


def is_trusted(origin: str, own: str) -> bool:
    """The one rule of which pages the service trusts: a page of its own origin
    (`own`: PUBLIC_URL's, or the request's host where that is what the browser
    reached) or of a listed one (CORS_ALLOWED_ORIGINS). Compared as origins,
    whatever the case or a default port: whoever can send one spelling can send
    the other."""
    return origin_of(origin) in {origin_of(own), *app_settings.CORS_ALLOWED_ORIGINS}


def parse_origins(value: str, name: str) -> list[str]:
    """Comma-separated exact origins, each `scheme://host[:port]` with no path;
    anything else stops start-up, naming what is wrong, rather than silently
    never matching a browser's `Origin`."""
    origins = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            parts = urlsplit(item)
            parts.port  # noqa: B018 (raises on a port that is not a number)
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path not in ("",)
            or parts.query
            or parts.fragment
            or parts.username
            or parts.password
            or not parts.hostname.isascii()
        ):
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not an origin. Write each as scheme://host[:port], "
                "for example https://app.example.org, with no path and no trailing slash "
                "(an international domain name in its xn-- form, as browsers send it)."
            )
        origins.append(origin_of(item))
    return origins


def local_path(candidate: object, host: str, *, secure: bool) -> str:
    """`candidate` if it is a path on this service (where a page may send the
    browser next), else "": another host, a scheme, `//host`, `/\\host` are
    dropped, not followed."""
    local = isinstance(candidate, str) and candidate.startswith("/") and "\x00" not in candidate
    if local and url_has_allowed_host_and_scheme(candidate, allowed_hosts={host}, require_https=secure):
        return candidate
    return ""
