"""Web origins (scheme, host, port), as browsers send them in `Origin`."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def origin_of(url: str) -> str:
    """`https://Auth.example.org:443/path` -> `https://auth.example.org`, the form a
    browser sends: lower case, no path, no default port."""
    parts = urlsplit(url.strip())
    scheme, netloc = parts.scheme.lower(), parts.netloc.lower().rpartition("@")[2]
    default = DEFAULT_PORTS.get(scheme)
    if default and netloc.endswith(default):
        netloc = netloc.removesuffix(default)
    return f"{scheme}://{netloc}"


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
