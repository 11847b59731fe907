"""The accounts domain: users identified by email, and the API tokens they hold."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.conf import settings
from django.contrib.auth import hashers
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import IntegrityError, models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.dispatch import Signal, receiver
from django.utils import timezone
from django.utils.functional import cached_property

from users import tokens
from users.addresses import EmailAddressField, InvalidAddress, canonical_email, normalized_if_possible
from users.errors import InvalidCredentials

# The largest id a database integer column holds (BigAutoField): larger ids are forged.
MAX_ID = 2**63 - 1

# Sent when a new password or a deactivation has ended an account's sessions
# (`user`), so what other apps issued on its word ends too.
sessions_ended = Signal()

# Sent when a sign-in in the browser replaces the session its cookie held
# (`replaced`, about to end) with `session`: what others tied to the old one
# may follow the person to the new one when it is the same account.
session_replaced = Signal()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, email: str) -> User:
        try:
            return self.get(email=canonical_email(email))
        except InvalidAddress:
            raise self.model.DoesNotExist(f"No account has the address {email!r}.") from None

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=canonical_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        """An operator's account: its address counts as verified so it can log in at once."""
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        user = self.create_user(email, password, **extra)
        EmailAddress.objects.using(self._db).create(user=user, email=user.email, verified=True, primary=True)
        return user


def verified_addresses(user, email) -> models.QuerySet[EmailAddress]:
    """The one rule for "is this account's address verified?": its own address
    (`User.email`) has a verified allauth EmailAddress row."""
    return EmailAddress.objects.filter(user=user, email=email, verified=True)


def own_address(user) -> EmailAddress:
    """The allauth EmailAddress row of the account's own address; accounts made
    outside `register` (the admin, a shell) get theirs when a flow needs it.
    An account deleted meanwhile (deleteAccount racing the flow) is refused as
    an unknown one: its row cannot be made again."""
    try:
        address, _ = EmailAddress.objects.get_or_create(user=user, email=user.email)
    except IntegrityError:
        raise InvalidCredentials() from None
    return address


def email_verified() -> Exists:
    """The rule as a query expression, for `QuerySet.annotate(email_verified=...)`
    (lists ask it in their own query; `users.token_lookup` spells it in SQL)."""
    return Exists(verified_addresses(OuterRef("pk"), OuterRef("email")))


class User(AbstractBaseUser, PermissionsMixin):
    # Stored in one spelling per mailbox (users/addresses.py, see `save`), so plain
    # uniqueness holds; the Lower() constraint also covers writes that bypass `save`.
    email = EmailAddressField("email address", max_length=254, unique=True)
    is_staff = models.BooleanField(
        "staff status",
        default=False,
        help_text="Designates whether the user can log into the admin site.",
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Unselect this instead of deleting the account: its tokens stop working.",
    )
    date_joined = models.DateTimeField("date joined", default=timezone.now)
    # The pages' and mails' language the person chose (`setLanguage`), one of LANGUAGES; "" for none.
    # db_default too: rows written by code that predates the column (older migrations' models) get it.
    language = models.CharField(max_length=16, blank=True, default="", db_default="")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        constraints = [
            # The database, not luck, keeps one account per address, whatever its case.
            models.UniqueConstraint(Lower("email"), name="users_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalized_if_possible(self.email)  # a refused one: the field's validator says why

    @cached_property
    def email_verified(self) -> bool:
        """Whether the account's address is verified. Set without a query where it is
        already known: by the token lookup, an `email_verified()` annotation, login;
        kept current by `learn_confirmation` and forgotten when the address may change."""
        return verified_addresses(self.pk, self.email).exists()

    def forget_email_verified(self) -> None:
        self.__dict__.pop("email_verified", None)

    def refresh_from_db(self, *args, **kwargs) -> None:
        super().refresh_from_db(*args, **kwargs)
        self.forget_email_verified()

    @property
    def password_digest(self) -> str:
        """What a token records of the password it was issued under (a digest of
        the hash, never the hash): when the two differ, the token is dead."""
        return tokens.digest(self.password or "")

    def set_password(self, raw_password: str | None, keep_session: AuthToken | None = None) -> None:
        """Set the password; on save, every session of the account but `keep_session` ends."""
        super().set_password(raw_password)
        self._kept_session = keep_session

    def check_password(self, raw_password: str) -> bool:
        """Django's check, but a hash upgrade (new hasher parameters, which Django
        saves without a password change) carries the account's sessions over to the
        new hash: the password itself is the same. An account deleted meanwhile
        (deleteAccount racing the login) has no password to match."""
        old_digest = self.password_digest
        gone = False

        def upgrade(raw: str) -> None:
            nonlocal gone
            self.set_password(raw)
            self._password = None  # an upgrade is no password change: sessions stay
            gone = not User.objects.filter(pk=self.pk).update(password=self.password)

        matches = hashers.check_password(raw_password, self.password, upgrade) and not gone
        if matches and self.password_digest != old_digest:
            AuthToken.objects.filter(user=self, password_digest=old_digest).update(password_digest=self.password_digest)
        return matches

    def save(self, *args, **kwargs) -> None:
        # Every way in refuses what the rules refuse (the flows, the manager, the
        # forms); an address stored before them is kept rather than made unsavable.
        self.email = normalized_if_possible(self.email)
        ends_sessions = not self._state.adding and (self._password is not None or not self.is_active)
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "email" in update_fields:
            self.forget_email_verified()
        if ends_sessions:
            # ASVS 3.3.3: a new password or a deactivation ends the account's
            # sessions wherever it happens (a flow, the admin, a shell). Tokens
            # also die by themselves when the password changes around `save`
            # (see AuthToken.password_digest); this removes their rows at once.
            kept = getattr(self, "_kept_session", None)
            AuthToken.objects.filter(user=self).exclude(pk=kept.pk if kept else None).delete()
            if kept is not None:
                kept.password_digest = self.password_digest
                AuthToken.objects.filter(pk=kept.pk).update(password_digest=kept.password_digest)
            self._kept_session = None
            # What other apps issued on the account's word ends with it (provider/sessions.py).
            sessions_ended.send(sender=User, user=self)


class AuthTokenQuerySet(models.QuerySet["AuthToken"]):
    def live(self) -> AuthTokenQuerySet:
        return self.filter(expires_at__gt=timezone.now())


class AuthTokenManager(models.Manager.from_queryset(AuthTokenQuerySet)):  # type: ignore[misc]
    def issue(
        self,
        user: User,
        *,
        user_agent: str = "",
        ip_address: str | None = None,
        lifetime: timedelta | None = None,
        with_factor: bool = False,
        methods: Sequence[str] = (),
    ) -> tuple[AuthToken, str]:
        """Create a token for `user` (living `lifetime`, else TOKEN_TTL; signed in
        `with_factor` or not, by `methods`); return it with its secret, which is not stored."""
        secret = tokens.generate_secret()
        now = timezone.now()
        token = self.create(
            user=user,
            digest=tokens.digest(secret),
            password_digest=user.password_digest,
            created_at=now,
            authenticated_at=now,
            authenticated_with_factor=with_factor,
            methods=" ".join(methods),
            last_used_at=now,
            expires_at=now + (settings.TOKEN_TTL if lifetime is None else lifetime),
            user_agent=user_agent[: AuthToken.USER_AGENT_MAX_LENGTH],
            ip_address=ip_address,
        )
        return token, secret


class AuthToken(models.Model):
    """One issued API token, which is one login session of its user.

    Only a SHA-256 digest of the secret is kept, so a copy of the database lets
    nobody act as a user. Revoking a token deletes its row; changing the password
    by any path voids it (`password_digest`).
    """

    USER_AGENT_MAX_LENGTH = 512

    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The user's `password_digest` when the token was issued: a token lives only
    # as long as the password it was made with, however the password changes.
    password_digest = models.CharField(max_length=64, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auth_tokens")
    created_at = models.DateTimeField(default=timezone.now)
    # When the session's owner last proved it is them (the login, or `reauthenticate`):
    # sensitive mutations need it recent (`users.sessions.recent_session`).
    authenticated_at = models.DateTimeField(default=timezone.now)
    # Whether that proof included a second factor (a code, a security key, a
    # passkey): removing an account's last second factor needs one.
    authenticated_with_factor = models.BooleanField(default=False)
    # How: RFC 8176's authentication method references, space-separated ("pwd";
    # "otp" or "hwk" for a code or a security key or passkey; "mfa" with two
    # factors), which applications read as the ID token's amr.
    methods = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(db_index=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    user_agent = models.CharField(max_length=USER_AGENT_MAX_LENGTH, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuthTokenManager()

    class Meta:
        verbose_name = "session"
        verbose_name_plural = "sessions"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"session {self.pk} of {self.user_id}"


@receiver(email_confirmed)
def learn_confirmation(sender, request, email_address: EmailAddress, **kwargs) -> None:
    """An address confirmed in this request (verifyEmail, a reset link) is verified
    for the rest of it too: a later field of the same document reads it so."""
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.pk == email_address.user_id and user.email == email_address.email:
        user.email_verified = True
