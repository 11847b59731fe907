"""WebAuthn on allauth.mfa, without a Django session.

allauth (on fido2) makes the options, checks the browser's answers and stores
the keys; between the two steps it keeps the challenge in `request.session`.
An API has no session: here the challenge's state lives in the shared cache,
found by a digest of the challenge (which the browser's answer carries in its
`clientDataJSON`), bound to what it was asked for (its purpose, and the session
or pending login that asked), and spent by the first answer. allauth is called
with a throwaway session that holds that state and is never saved.

fido2 accepts an answer from any page on the relying party's host or its
subdomains; here the page must also be the service's own origin (PUBLIC_URL)
or one listed in CORS_ALLOWED_ORIGINS.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

from allauth.core import context
from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn.internal import auth
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from fido2.utils import websafe_decode

from factors.models import MfaChallenge
from users.cache_keys import cache_key
from users.errors import InvalidCode
from users.models import AuthToken, User
from users.origins import is_trusted

# Bounds what is parsed of a browser's answer: an attestation with its certificate
# chain is a few KiB, under the request's own limit (MAX_REQUEST_BYTES).
MAX_CREDENTIAL_BYTES = 16 * 1024


class Purpose(StrEnum):
    """What a challenge was asked for (the contract's WebauthnPurpose)."""

    REGISTER = "REGISTER"
    LOGIN = "LOGIN"
    MFA = "MFA"
    REAUTHENTICATE = "REAUTHENTICATE"


class ThrowawaySession:
    """The request as allauth sees it during one call: the real one, but with a
    session of its own that holds the challenge's state and is never saved."""

    def __init__(self, request: HttpRequest, state: dict | None) -> None:
        self._request = request
        self.session: dict[str, Any] = {} if state is None else {auth.STATE_SESSION_KEY: state}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


@contextmanager
def allauth_call(request: HttpRequest, state: dict | None = None) -> Iterator[dict[str, Any]]:
    shim = ThrowawaySession(request, state)
    with context.request_context(shim):
        yield shim.session


def login_binding(challenge: MfaChallenge) -> str:
    """Who may answer an MFA challenge: the pending login it was asked for."""
    return f"login:{challenge.pk}"


def session_binding(token: AuthToken) -> str:
    """Who may answer a REGISTER or REAUTHENTICATE challenge: the session that asked."""
    return f"session:{token.pk}"


def state_key(challenge: str) -> str:
    return cache_key("webauthn", challenge)


def options(request: HttpRequest, purpose: Purpose, user: User | None, binding: str) -> dict:
    """The browser's options for `purpose`; the challenge's state kept for one answer.
    `binding` names who may answer it (a session, a pending login)."""
    with allauth_call(request) as session:
        if purpose is Purpose.REGISTER:
            # A passkey: a resident key with user verification (allauth's "passwordless").
            data = auth.begin_registration(user, passwordless=True)
        elif purpose is Purpose.LOGIN:
            data = auth.begin_authentication()  # any passkey of this site; verification required
        else:
            data = auth.begin_authentication(user)
        state = session[auth.STATE_SESSION_KEY]
    entry = {"purpose": str(purpose), "binding": binding, "state": state}
    cache.set(state_key(state["challenge"]), entry, int(settings.MFA_TOKEN_TTL.total_seconds()))
    return json.loads(json.dumps(data))  # fido2's mapping objects, as plain JSON


def client_data(credential: Any) -> dict:
    """The browser's `clientDataJSON`, parsed, or InvalidCode."""
    try:
        if len(json.dumps(credential)) > MAX_CREDENTIAL_BYTES:
            raise ValueError("too large")
        data = json.loads(websafe_decode(credential["response"]["clientDataJSON"]))
        if not (
            isinstance(data, dict) and isinstance(data.get("challenge"), str) and isinstance(data.get("origin"), str)
        ):
            raise ValueError("no challenge or origin")
        return data
    except (TypeError, ValueError, KeyError, AttributeError):
        raise InvalidCode() from None


def take_state(credential: Any, purpose: Purpose, binding: str) -> dict:
    """The state of the challenge `credential` answers, spent now; InvalidCode when
    it is unknown, already answered, asked for another purpose or by someone
    else, or answered from a page that is not the service's nor a listed one."""
    data = client_data(credential)
    if not is_trusted(data.get("origin"), own=settings.PUBLIC_URL):
        raise InvalidCode()
    key = state_key(data["challenge"])
    entry = cache.get(key)
    # Of two answers racing, the one whose delete removes the entry goes on.
    if entry is None or not cache.delete(key):
        raise InvalidCode()
    if entry["purpose"] != purpose or entry["binding"] != binding:
        raise InvalidCode()
    return entry["state"]


def assertion(request: HttpRequest, user: User, credential: Any, state: dict) -> Authenticator | None:
    """`user`'s WebAuthn key that signed this answer to `state`'s challenge, or None."""
    with allauth_call(request, state):
        try:
            return auth.complete_authentication(user, credential)
        # allauth turns fido2's ValueError into a ValidationError; an answer missing a
        # part fails inside fido2 with whatever its parser raised.
        except (ValidationError, ValueError, TypeError, KeyError, AttributeError):
            return None


def passkey_owner(credential: Any) -> User | None:
    """The account a passkey's answer names (its user handle), or None. The answer
    has passed `take_state`, which bounds and parses it first."""
    try:
        return auth.extract_user_from_response(credential)
    except (ValidationError, AttributeError, TypeError):
        return None


def key_named(user: User, credential: Any) -> Authenticator | None:
    """`user`'s WebAuthn key whose id the answer gives (`rawId`), or None."""
    try:
        credential_id = websafe_decode(credential["rawId"])
    except (TypeError, ValueError, KeyError, AttributeError):
        return None
    return auth.get_authenticator_by_credential_id(user, credential_id)


def stored_credential(credential: Any) -> dict:
    """What is kept of a checked registration: the parts allauth reads back, and
    whether the browser reported a resident key, as a boolean (the client's
    extension results are not signed, so nothing else of them is kept)."""
    extensions = credential.get("clientExtensionResults")
    props = extensions.get("credProps") if isinstance(extensions, dict) else None
    rk = props.get("rk") if isinstance(props, dict) else None
    return {
        "id": credential["id"],
        "rawId": credential["rawId"],
        "type": credential["type"],
        "response": {
            "clientDataJSON": credential["response"]["clientDataJSON"],
            "attestationObject": credential["response"]["attestationObject"],
        },
        "clientExtensionResults": {"credProps": {"rk": rk is True}},
    }


def registration(request: HttpRequest, credential: Any, state: dict) -> dict:
    """Check a new passkey's attestation against `state`'s challenge, with user
    verification done (the state asks for it, and fido2 refuses a key that did not
    verify); InvalidCode if it fails. Returns what to store of it."""
    with allauth_call(request, state):
        try:
            auth.complete_registration(credential)
            return stored_credential(credential)
        except (ValidationError, ValueError, TypeError, KeyError, AttributeError):
            raise InvalidCode() from None
