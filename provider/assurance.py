"""How the person signed in, as applications read it: the ID token's `amr`
(RFC 8176: the session's methods), its `acr`, and the step-up an application
asks for with `acr_values` (OIDC Core 3.1.2.1, 5.5.1.1).

Two levels, each a value applications already send elsewhere:
- `MULTI_FACTOR`, PAPE's URI (Auth0's, so an application moved from it asks as
  before): two factors, a password and a code or key, or a passkey;
- `PHISHING_RESISTANT`, OpenID EAP ACR Values' `phr`: a factor bound to this
  service's origin, a security key or a passkey, so a phished password and a
  relayed code are not enough. It meets `MULTI_FACTOR` too.
A password alone meets neither: its ID token carries `amr: ["pwd"]` and no `acr`.
"""

from __future__ import annotations

from datetime import timedelta

from allauth.mfa.models import Authenticator
from django.utils import timezone

from users.models import AuthToken

MULTI_FACTOR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
PHISHING_RESISTANT = "phr"
SUPPORTED = [PHISHING_RESISTANT, MULTI_FACTOR]
# A sign-in this recent is not asked again for a level it did not reach: the
# person has just chosen how to sign in (a code, with a key at hand), and
# asking again would loop. The application reads `acr` and decides.
STEP_UP_GRACE = timedelta(seconds=60)


def met(methods: set[str]) -> list[str]:
    """The levels a sign-in by `methods` meets, strongest first."""
    if "mfa" not in methods:
        return []
    return SUPPORTED if "hwk" in methods else [MULTI_FACTOR]


def acr(methods: set[str], asked: list[str]) -> str | None:
    """The `acr` to say: the first asked level the sign-in meets (OIDC Core
    3.1.2.1: acr_values in order of preference), else the strongest it meets."""
    meets = met(methods)
    return next((value for value in asked if value in meets), meets[0] if meets else None)


def asked_levels(acr_values: str | None) -> list[str]:
    return [value for value in (acr_values or "").split() if value in SUPPORTED]


def step_up_needed(session: AuthToken, acr_values: str | None) -> bool:
    """Whether the person must sign in again to reach a level the application
    asked for: the sign-in meets none asked, is not just made, and the account
    has what the lowest asked level needs (else a new sign-in reaches no more)."""
    asked = asked_levels(acr_values)
    meets = met(set(session.methods.split()))
    if not asked or any(value in meets for value in asked):
        return False
    if timezone.now() - session.authenticated_at < STEP_UP_GRACE:
        return False
    kinds = [Authenticator.Type.WEBAUTHN]
    if MULTI_FACTOR in asked:
        kinds.append(Authenticator.Type.TOTP)
    return Authenticator.objects.filter(user_id=session.user_id, type__in=kinds).exists()


def claims(session: AuthToken, acr_values: str | None) -> dict:
    """What an ID token says of the sign-in `session` is: when, how, how sure."""
    methods = session.methods.split()
    said: dict = {"auth_time": int(session.authenticated_at.timestamp())}
    if methods:
        said["amr"] = methods
    level = acr(set(methods), asked_levels(acr_values))
    if level:
        said["acr"] = level
    return said
