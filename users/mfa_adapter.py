"""gql-auth's seam into allauth.mfa (second factors and passkeys).

Two of allauth's defaults do not suit the service: it stores TOTP secrets and
recovery-code seeds in clear (anyone with a copy of the database could compute
the codes), and it takes the WebAuthn relying party from the request's Host
header rather than from the address the service is published at.
"""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac

KEY_SALT = "gql_auth.mfa.encryption"


def fernet_for(secret: str) -> Fernet:
    digest = salted_hmac(KEY_SALT, "", secret=secret, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def secrets_cipher() -> MultiFernet:
    """Encrypts with a key derived from SECRET_KEY; decrypts with it or with one
    derived from any of SECRET_KEY_FALLBACKS, so a key rotation keeps every factor
    working while the old key stays among the fallbacks."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([fernet_for(key) for key in keys])


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return secrets_cipher().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        try:
            return secrets_cipher().decrypt(encrypted_text.encode()).decode()
        except InvalidToken:
            raise ImproperlyConfigured(
                "A second factor's secret cannot be decrypted: the SECRET_KEY it was stored "
                "under is neither SECRET_KEY nor among SECRET_KEY_FALLBACKS."
            ) from None

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        """Passkeys belong to the host the service is published at (PUBLIC_URL), not
        to whatever Host header a request carried. WebAuthn needs a host name:
        `localhost` in development, not an IP address."""
        return {"id": urlsplit(settings.PUBLIC_URL).hostname or "", "name": settings.SITE_NAME}
