"""The settings the reusable parts of `users` read, each with its default.

Another Django project that lists `users.authentication.TokenAuthentication`
(docs/applications.md, "Using the tokens from another DRF service") defines none of them;
gql-auth's own settings set the ones they change. Read at each use, as allauth's app_settings are, so tests
may override them.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

TOKEN_TOUCH_INTERVAL = timedelta(seconds=60)


class AppSettings:
    @property
    def TOKEN_TOUCH_INTERVAL(self) -> timedelta:
        """ "Last used" is written at most this often per token, not on every request."""
        return getattr(settings, "TOKEN_TOUCH_INTERVAL", TOKEN_TOUCH_INTERVAL)

    @property
    def HTTPS(self) -> bool:
        """The service is reached over https: the session cookie is `__Host-` and Secure."""
        return getattr(settings, "HTTPS", False)

    @property
    def CORS_ALLOWED_ORIGINS(self) -> list[str]:
        """Origins whose pages may send the session cookie (besides the service's own)."""
        return getattr(settings, "CORS_ALLOWED_ORIGINS", [])

    @property
    def LOGIN_STAGES(self) -> list[str]:
        """The steps after a right password (users/stages.py), as dotted paths:
        none of the core's own; factors/ adds the second factor."""
        return getattr(settings, "LOGIN_STAGES", [])


app_settings = AppSettings()
