"""GraphQL object types and mutation payloads of the public contract."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
import strawberry_django
from allauth.mfa.models import Authenticator as AuthenticatorModel
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry_django.utils.requests import get_request

from audit.models import SecurityEvent as SecurityEventModel
from factors.webauthn import Purpose
from federation import flows as federation
from federation import models as federation_models
from provider import grants
from schema.errors import CodedError, UserError
from schema.paging import MAX_PAGE, newest_events
from schema.permissions import IsOwner, IsOwnerOrHasPerm
from users import models
from users.errors import InvalidInput
from users.events import EventType
from users.permissions import Permission


@strawberry_django.type(models.AuthToken, name="Session")
class Session:
    """One issued token; the secret itself is never readable again."""

    id: strawberry.ID
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    user_agent: str | None
    ip_address: str | None

    @strawberry_django.field(description="The token this request was made with.")
    def current(self, root: models.AuthToken, info: Info) -> bool:
        token = getattr(get_request(info), "auth", None)
        return token is not None and token.pk == root.pk


def live_sessions() -> QuerySet[models.AuthToken]:
    return models.AuthToken.objects.live().order_by("-created_at")


def second_factors() -> QuerySet[AuthenticatorModel]:
    return AuthenticatorModel.objects.order_by("created_at", "pk")


def prefetched(root: models.User, to_attr: str, rows: QuerySet) -> list:
    """The user's `rows` as the optimizer prefetched them into `to_attr` for a
    list, or queried for this one user (`me`)."""
    found = getattr(root, to_attr, None)
    return list(rows.filter(user=root) if found is None else found)


@strawberry.enum(description="A kind of second factor.")
class AuthenticatorType(Enum):
    TOTP = AuthenticatorModel.Type.TOTP.value
    RECOVERY_CODES = AuthenticatorModel.Type.RECOVERY_CODES.value
    WEBAUTHN = AuthenticatorModel.Type.WEBAUTHN.value


WebauthnPurpose = strawberry.enum(Purpose, name="WebauthnPurpose", description="What WebAuthn options are for.")


@strawberry_django.type(AuthenticatorModel, name="Authenticator")
class Authenticator:
    """A second factor or passkey; its secret is never readable."""

    id: strawberry.ID
    created_at: datetime
    last_used_at: datetime | None

    @strawberry_django.field
    def type(self, root: AuthenticatorModel) -> AuthenticatorType:
        return AuthenticatorType(root.type)

    @strawberry_django.field(description="WEBAUTHN: the name given at registration.")
    def name(self, root: AuthenticatorModel) -> str | None:
        return root.data.get("name") if root.type == AuthenticatorModel.Type.WEBAUTHN else None

    @strawberry_django.field(description="WEBAUTHN: usable to log in without a password.")
    def passkey(self, root: AuthenticatorModel) -> bool:
        return root.type == AuthenticatorModel.Type.WEBAUTHN and bool(root.wrap().is_passwordless)

    @strawberry_django.field(description="RECOVERY_CODES: how many are left.")
    def unused_codes(self, root: AuthenticatorModel) -> int | None:
        if root.type != AuthenticatorModel.Type.RECOVERY_CODES:
            return None
        return len(root.wrap().get_unused_codes())


@strawberry.type(description="An identity provider people may sign in through: what the sign-in buttons show.")
class IdentityProvider:
    id: strawberry.ID = strawberry.field(description='The slug given when it was registered, e.g. "corp".')
    name: str

    @classmethod
    def of(cls, provider: federation_models.IdentityProvider) -> IdentityProvider:
        return cls(id=strawberry.ID(provider.slug), name=provider.name)


@strawberry.type(description="An account at an upstream identity provider, linked to this one.")
class Identity:
    id: strawberry.ID
    provider: IdentityProvider
    email: str | None = strawberry.field(description="As the provider gave it.")
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, identity: federation.Identity) -> Identity:
        return cls(
            id=strawberry.ID(identity.id),
            provider=IdentityProvider.of(identity.provider),
            email=identity.email,
            created_at=identity.created_at,
            last_used_at=identity.last_used_at,
        )


@strawberry.type(description="An application the user granted access to (an OpenID client).")
class Application:
    id: strawberry.ID = strawberry.field(description="The application's client_id.")
    name: str
    scopes: list[str]
    granted_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, grant: grants.Grant) -> Application:
        return cls(
            id=strawberry.ID(grant.client_id),
            name=grant.name,
            scopes=grant.scopes,
            granted_at=grant.granted_at,
            last_used_at=grant.last_used_at,
        )


@strawberry_django.type(models.User, name="User")
class User:
    # Strawberry's field, not strawberry-django's: the primary key is loaded with
    # every user, so the optimizer has nothing to add for it, and strawberry-django's
    # resolver (its sync-or-async dispatch, which raises and catches an exception
    # outside an event loop) is work every `me` paid (issue #30).
    id: strawberry.ID = strawberry.field(resolver=lambda root: root.pk)

    date_joined: datetime
    email: str | None = strawberry_django.field(
        extensions=[IsOwnerOrHasPerm(Permission.VIEW_USER)],
        description=f"The user itself, or staff holding {Permission.VIEW_USER}.",
    )
    last_login: datetime | None = strawberry_django.field(
        extensions=[IsOwnerOrHasPerm(Permission.VIEW_USER)],
        description=f"The user itself, or staff holding {Permission.VIEW_USER}.",
    )

    # Lists ask it in their own query (the optimizer annotates it); the caller's is
    # known from the token lookup, a login's from the login (users.models.User.email_verified).
    # A resolver, not the attribute: strawberry-django reads a cached_property through
    # django_getattr, which builds a sync_to_async wrapper at every request.
    @strawberry_django.field(annotate={"email_verified": models.email_verified()})
    def email_verified(self, root: models.User) -> bool:
        return root.email_verified

    @strawberry_django.field(
        # A callable: `live()` reads the clock, and must read it at each request,
        # not once when the schema is built.
        prefetch_related=[lambda info: Prefetch("auth_tokens", queryset=live_sessions(), to_attr="live_sessions")],
        extensions=[IsOwner()],
        description="The user's live sessions: the user itself only.",
    )
    def sessions(self, root: models.User) -> list[Session] | None:
        return prefetched(root, "live_sessions", live_sessions())

    @strawberry_django.field(
        prefetch_related=[Prefetch("authenticator_set", queryset=second_factors(), to_attr="second_factors")],
        extensions=[IsOwner()],
        description="The user's second factors and passkeys: the user itself only.",
    )
    def authenticators(self, root: models.User) -> list[Authenticator] | None:
        return prefetched(root, "second_factors", second_factors())

    is_active: bool

    @strawberry_django.field(
        extensions=[IsOwner()],
        description="Applications holding access the user granted (OpenID Connect), most recently used first: "
        "the user itself only.",
    )
    def applications(self, root: models.User) -> list[Application] | None:
        return [Application.of(grant) for grant in grants.applications_of(root)]

    @strawberry_django.field(
        extensions=[IsOwner()],
        description='Preferred language of pages and mails ("en", "fr"; null for none): the user itself only.',
    )
    def language(self, root: models.User) -> str | None:
        return root.language or None

    @strawberry_django.field(
        extensions=[IsOwner()],
        description="Accounts at other identity providers the user signs in with, oldest link first: "
        "the user itself only.",
    )
    def identities(self, root: models.User) -> list[Identity] | None:
        return [Identity.of(identity) for identity in federation.identities(root)]

    @strawberry_django.field(
        extensions=[IsOwner()],
        description=f"What happened to the account, newest first: the user itself only. At most {MAX_PAGE}.",
    )
    def security_events(self, root: models.User, info: Info, first: int | None = 20) -> list[SecurityEvent] | None:
        # One query per parent: asked again inside an event's user, it would
        # multiply (100 events × 100 × ...), so a list of events is never nested.
        if inside_an_event(info):
            raise CodedError(InvalidInput(gettext("securityEvents cannot be asked inside a list of events.")))
        return newest_events(first, 0, user=root)


SecurityEventType = strawberry.enum(EventType, name="SecurityEventType", description="What happened to an account.")


@strawberry_django.type(SecurityEventModel, name="SecurityEvent")
class SecurityEvent:
    """What happened to an account, for its owner and for auditors. Where a staff
    member acted, the owner reads that staff did (`actorRole`), not who, nor from
    which address or browser: those are the auditors' (`users.view_securityevent`)."""

    id: strawberry.ID
    created_at: datetime
    user: User | None = strawberry_django.field(description="Null once the account is deleted.")

    @strawberry_django.field(only=["type"])
    def type(self, root: SecurityEventModel) -> SecurityEventType:
        return EventType(root.type)

    @strawberry_django.field(only=["ip_address", "actor_id"])
    def ip_address(self, root: SecurityEventModel, info: Info) -> str | None:
        return None if staff_kept_from(info, root) else root.ip_address

    @strawberry_django.field(only=["user_agent", "actor_id"])
    def user_agent(self, root: SecurityEventModel, info: Info) -> str | None:
        return None if staff_kept_from(info, root) else (root.user_agent or None)

    @strawberry_django.field(
        select_related=["actor"],
        description="The staff member who acted on the account, where one did: for auditors (owners read actorRole).",
    )
    def actor(self, root: SecurityEventModel, info: Info) -> User | None:
        return None if staff_kept_from(info, root) else root.actor

    @strawberry_django.field(
        only=["actor_id"],
        select_related=["actor"],
        description='Where a staff member acted on the account: "superuser" or "staff".',
    )
    def actor_role(self, root: SecurityEventModel) -> str | None:
        if root.actor_id is None:
            return None
        return "superuser" if root.actor.is_superuser else "staff"


def staff_kept_from(info: Info, event: SecurityEventModel) -> bool:
    """Whether who acted in `event`, and from where, is hidden from this caller:
    a staff member's act, read by someone who is not an auditor."""
    return event.actor_id is not None and not get_request(info).user.has_perm(Permission.VIEW_SECURITY_EVENT)


def inside_an_event(info: Info) -> bool:
    """Whether this field is asked under a SecurityEvent, however the lists above
    it are named or aliased (a path's entries carry their parent's type)."""
    path = info.path.prev
    while path is not None:
        if path.typename == "SecurityEvent":
            return True
        path = path.prev
    return False


@strawberry.type
class Result:
    success: bool
    errors: list[UserError]


@strawberry.type
class LoginResult:
    success: bool
    errors: list[UserError]
    token: str | None = strawberry.field(
        default=None,
        description='Shown once; send it as "Authorization: Token <token>".',
    )
    expires_at: datetime | None = None
    user: User | None = None
    mfa_token: str | None = strawberry.field(
        default=None, description="With MFA_REQUIRED: single use, 5 minutes, this login only."
    )
    mfa_methods: list[AuthenticatorType] | None = strawberry.field(
        default=None, description="With MFA_REQUIRED: what this account can answer with."
    )


@strawberry.type
class WebauthnOptionsResult:
    success: bool
    errors: list[UserError]
    options: JSON | None = strawberry.field(
        default=None,
        description="PublicKeyCredentialCreationOptions (REGISTER) or PublicKeyCredentialRequestOptions, "
        "as JSON, for the browser.",
    )


@strawberry.type
class TotpSetupResult:
    success: bool
    errors: list[UserError]
    secret: str | None = strawberry.field(default=None, description="Base32, for typing in by hand.")
    otpauth_uri: str | None = strawberry.field(default=None, description="otpauth://totp/...")
    qr_code_svg: str | None = strawberry.field(default=None, description="The same URI as an SVG QR code.")


@strawberry.type
class RecoveryCodesResult:
    success: bool
    errors: list[UserError]
    codes: list[str] | None = strawberry.field(default=None, description="Shown once.")
