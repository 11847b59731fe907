"""The accounts domain: users identified by email, and the API tokens they hold."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from users import tokens


def normalize_email(email: str) -> str:
    """One spelling per address: `Foo@Example.com` and `foo@example.com` are one account.

    The whole address is lowercased, not only the domain as Django does: no mail
    provider in practice tells local parts apart by case, and people don't either.
    """
    return email.strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email=normalize_email(email))

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        """An operator's account: its address counts as verified so it can log in at once."""
        from allauth.account.models import EmailAddress

        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        user = self.create_user(email, password, **extra)
        EmailAddress.objects.using(self._db).create(
            user=user, email=user.email, verified=True, primary=True
        )
        return user


class User(AbstractBaseUser, PermissionsMixin):
    # Stored lowercased (see `save`), so plain uniqueness holds case-insensitively;
    # the Lower() constraint below also covers writes that bypass `save`.
    email = models.EmailField("email address", max_length=254, unique=True)
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
        self.email = normalize_email(self.email)

    def set_password(self, raw_password: str | None, keep_session: AuthToken | None = None) -> None:
        """Set the password; on save, every session of the account but `keep_session` ends."""
        super().set_password(raw_password)
        self._kept_session = keep_session

    def save(self, *args, **kwargs) -> None:
        self.email = normalize_email(self.email)
        ends_sessions = not self._state.adding and (self._password is not None or not self.is_active)
        super().save(*args, **kwargs)
        if ends_sessions:
            # ASVS 3.3.3: a new password or a deactivation ends the account's
            # sessions wherever it happens (a flow, the admin, a shell).
            kept = getattr(self, "_kept_session", None)
            AuthToken.objects.filter(user=self).exclude(pk=kept.pk if kept else None).delete()
            self._kept_session = None


class AuthTokenQuerySet(models.QuerySet["AuthToken"]):
    def live(self) -> AuthTokenQuerySet:
        return self.filter(expires_at__gt=timezone.now())


class AuthTokenManager(models.Manager.from_queryset(AuthTokenQuerySet)):  # type: ignore[misc]
    def issue(
        self, user: User, *, user_agent: str = "", ip_address: str | None = None
    ) -> tuple[AuthToken, str]:
        """Create a token for `user`; return it with its secret, which is not stored."""
        secret = tokens.generate_secret()
        now = timezone.now()
        token = self.create(
            user=user,
            digest=tokens.digest(secret),
            created_at=now,
            last_used_at=now,
            expires_at=now + settings.TOKEN_TTL,
            user_agent=user_agent[: AuthToken.USER_AGENT_MAX_LENGTH],
            ip_address=ip_address,
        )
        return token, secret


class AuthToken(models.Model):
    """One issued API token, which is one login session of its user.

    Only a SHA-256 digest of the secret is kept, so a copy of the database lets
    nobody act as a user. Revoking a token deletes its row.
    """

    USER_AGENT_MAX_LENGTH = 512

    digest = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auth_tokens"
    )
    created_at = models.DateTimeField(default=timezone.now)
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
