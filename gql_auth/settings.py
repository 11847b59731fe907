"""Settings for gql-auth, read from the environment only.

The variables and their defaults are the public contract's table (docs/operations.md):
running with no environment at all gives a development server on SQLite with
emails printed to the console.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from audit import syslog as audit_syslog
from gql_auth import local_secrets
from provider import keys as oidc_keys
from schema import persisted as graphql_persisted
from users.languages import parse_languages
from users.origins import parse_origins

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# Off unless asked for (`make run` asks): a forgotten variable must not turn a
# production server into a development one.
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0. For development, set DEBUG=1 (make run does).")
    # Development: a key of this checkout's own, in an ignored file (never in git).
    SECRET_KEY = local_secrets.read_or_create(
        Path(os.environ.get("DEV_SECRET_KEY_FILE") or BASE_DIR / "var" / "secret_key")
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

# Base of the links in emails: the landing pages of this service, or of a
# separate frontend serving the same paths.
PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "gql-auth")
# Where the landing pages point people to log in (your app's login page), if anywhere.
LOGIN_PAGE_URL = os.environ.get("LOGIN_PAGE_URL", "")

# The GraphiQL explorer and schema introspection: on in development, off in
# production unless asked for.
GRAPHIQL = env_bool("GRAPHIQL", DEBUG)
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", DEBUG or GRAPHIQL)
# Bounds on one GraphQL document; the contract's deepest query is 3 levels.
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 8)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 20)
GRAPHQL_MAX_TOKENS = env_int("GRAPHQL_MAX_TOKENS", 1000)
# What a document may cost to validate, measured before validating it
# (schema/extensions/cost.py, DocumentCost): fields selected, fragments counted where
# spread, and pairs of same-name fields (validation compares each pair). The
# explorer's introspection query selects about 250 fields and no pair.
GRAPHQL_MAX_FIELDS = env_int("GRAPHQL_MAX_FIELDS", 500)
GRAPHQL_MAX_FIELD_PAIRS = env_int("GRAPHQL_MAX_FIELD_PAIRS", 200)
# Trusted documents (schema/persisted.py): the path of the manifest GraphQL Code
# Generator's client preset writes (hash → document); when set, only those run.
# Read now, so that a missing or malformed file stops start-up.
GRAPHQL_TRUSTED_DOCUMENTS = os.environ.get("GRAPHQL_TRUSTED_DOCUMENTS", "").strip()
if GRAPHQL_TRUSTED_DOCUMENTS:
    graphql_persisted.load_manifest(GRAPHQL_TRUSTED_DOCUMENTS)
# Request bodies over this many bytes are refused (413) before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 64 * 1024)

INSTALLED_APPS = [
    # First, so its templates (the emails) override allauth's.
    "users",
    "factors",  # before allauth.mfa, so its mails override allauth's
    "audit",  # the security-event log
    "provider",  # before allauth.idp.oidc, so its pages override allauth's
    "webhooks",  # account events to the organisation's systems
    "portability",  # accounts imported from Auth0 and exported
    "federation",  # other identity providers people sign in through
    "users.apps.AdminConfig",  # django.contrib.admin, on users/admin_site.py
    "schema",  # the GraphQL face: its explorer's templates and static files
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.idp.oidc",
    "allauth.socialaccount",  # its SocialAccount rows are the links to other providers (federation/)
    "strawberry_django",
    "corsheaders",
    "csp",
    "django_tasks",
    "django_tasks_db",  # the queue's rows (users/jobs.py)
]

MIDDLEWARE = [
    # Outermost: a preflight's answer is 204 with no body, not an empty HTML page.
    "gql_auth.preflight.PreflightMiddleware",
    # First: a preflight is answered before anything else looks at it.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves the pages' CSS and JS in production too, with no separate web server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gql_auth.nul_bytes.NulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # The hosted login and the provider's pages know a person by the service's
    # session cookie, as the API does, not by Django's session (provider/sessions.py).
    "provider.sessions.HostedSessionMiddleware",
    # After it: the signed-in person's own language is one of the choices.
    "users.languages.LanguageMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "gql_auth.urls"
WSGI_APPLICATION = "gql_auth.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "users.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default, made to hold a small team's concurrent requests:
    # WAL lets reads go on during a write; IMMEDIATE takes the write lock when a
    # transaction begins, so two transactions never both read and then deadlock
    # upgrading to write ("database is locked" at once); and a writer waits up to
    # `timeout` seconds for the lock rather than failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 20),
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "gql_auth"),
        }
    }
else:
    # Without Redis, the database every process of the instance shares holds the
    # counts too (a per-process cache would give each gunicorn worker its own
    # lock). Its table is made by `migrate` (users/migrations/0004_cache_table.py).
    CACHES = {
        "default": {
            # Django's, but culling only what has expired (gql_auth/cache.py).
            "BACKEND": "gql_auth.cache.DatabaseCache",
            "LOCATION": "gql_auth_cache",
            # Past this many rows, each write purges the expired ones.
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 10_000)},
        }
    }

AUTH_USER_MODEL = "users.User"
# Every password check, the admin's too, passes users.credentials (its locks and counts).
AUTHENTICATION_BACKENDS = ["users.backends.EmailBackend"]
# After a right password, in order (users/stages.py): an account with a second
# factor gives it before it has a session. factors/ refuses to start without it.
LOGIN_STAGES = ["factors.login.SecondFactorStage"]

# Argon2 first: new and upgraded hashes use it; the others only verify old hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # Imported accounts' hashes, until their first login makes them Argon2 (portability/hashers.py).
    "portability.hashers.ImportedBCryptPasswordHasher",
    "portability.hashers.PBKDF2SHA256PHCPasswordHasher",
    # Only OpenID clients' generated 256-bit secrets, never a password (provider/hashers.py).
    "provider.hashers.ClientSecretHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["email"]},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Longer passwords are refused before any hashing: hashing cost grows with length.
PASSWORD_MAX_LENGTH = 1024

# API tokens (login sessions).
TOKEN_TTL = timedelta(days=env_int("TOKEN_TTL_DAYS", 14))
# A Django admin sign-in is one of those sessions (users/admin_sessions.py), this long;
# Django's own session cookie, which only the admin uses, lasts as long.
ADMIN_SESSION_SECONDS = env_int("ADMIN_SESSION_SECONDS", 43200)
SESSION_COOKIE_AGE = ADMIN_SESSION_SECONDS

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["users.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

# django-allauth: email is the login identifier and must be verified.
ACCOUNT_ADAPTER = "users.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_CONFIRMATION_HMAC = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env_int("EMAIL_VERIFICATION_TTL_DAYS", 3)
ACCOUNT_PREVENT_ENUMERATION = True
# changeEmail: a second, unverified address until its link is followed (users/account.py).
ACCOUNT_CHANGE_EMAIL = True
# "Your password was changed" notices, with when and from where.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Lifetime of a password reset link (Django's own setting, read by its token generator).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TTL_SECONDS", 3600)
# django-allauth's second factors (issue #13 builds the GraphQL face on them;
# docs/design/mfa.md). Secrets are stored encrypted (users.mfa_adapter).
MFA_ADAPTER = "users.mfa_adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = SITE_NAME
# A code is good for its own 30 s only: allauth remembers a used code for one
# period, so any tolerance would let a code be replayed in the next.
MFA_TOTP_TOLERANCE = 0
# Recent authentication is the service's to enforce against the session token.
MFA_REAUTHENTICATION_REQUIRED = False
# The second step of a login (factors/): how long an mfaToken lives, and how many
# wrong answers void it. WebAuthn challenges live as long.
MFA_TOKEN_TTL = timedelta(minutes=5)
MFA_TOKEN_MAX_FAILURES = 5
# How recent a login or `reauthenticate` must be for a sensitive mutation.
REAUTHENTICATION_TIMEOUT_SECONDS = env_int("REAUTHENTICATION_TIMEOUT_SECONDS", 300)
# The OpenID Connect provider (django-allauth's allauth.idp.oidc; provider/ and
# docs/applications.md, "Sign in to other applications"). The issuer is this service's own
# public base: PUBLIC_URL, unless that is a separate frontend serving the pages.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
OIDC_PRIVATE_KEYS_FILE = os.environ.get("OIDC_PRIVATE_KEYS_FILE", "")
IDP_OIDC_PRIVATE_KEYS = oidc_keys.read_keys_file(OIDC_PRIVATE_KEYS_FILE) if OIDC_PRIVATE_KEYS_FILE else []
if os.environ.get("OIDC_PRIVATE_KEY", "").strip():
    IDP_OIDC_PRIVATE_KEY = oidc_keys.check_pem(os.environ["OIDC_PRIVATE_KEY"], "OIDC_PRIVATE_KEY")
elif IDP_OIDC_PRIVATE_KEYS:
    IDP_OIDC_PRIVATE_KEY = ""
elif not DEBUG:
    raise ImproperlyConfigured(
        "OIDC_PRIVATE_KEY must be set when DEBUG=0: the PEM of the RSA key that signs tokens "
        "(`manage.py oidc_key` prints a new one)."
    )
else:
    # Development: a key of this checkout's own, kept beside its SECRET_KEY.
    dev_key_file = Path(os.environ.get("DEV_OIDC_KEY_FILE") or BASE_DIR / "var" / "oidc_private_key.pem")
    IDP_OIDC_PRIVATE_KEY = oidc_keys.check_pem(
        local_secrets.read_or_create(dev_key_file, oidc_keys.generate_pem), str(dev_key_file)
    )
IDP_OIDC_ADAPTER = "provider.adapter.OIDCAdapter"
# JWTs, so resource servers in any language verify them offline against the JWKS.
# Offline verifiers cannot see a revocation, so they live briefly; refresh tokens
# rotate on every use and die with the password (provider/sessions.py).
IDP_OIDC_ACCESS_TOKEN_FORMAT = "jwt"
IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN = env_int("OIDC_ACCESS_TOKEN_TTL_SECONDS", 600)
IDP_OIDC_ID_TOKEN_EXPIRES_IN = env_int("OIDC_ID_TOKEN_TTL_SECONDS", 300)
IDP_OIDC_REFRESH_TOKEN_EXPIRES_IN = env_int("OIDC_REFRESH_TOKEN_TTL_DAYS", 30) * 24 * 3600
# How long a back-channel logout delivery waits for an application's answer
# (provider/logout.py): a slow receiver must not hold up the workers after the answer.
OIDC_BACKCHANNEL_LOGOUT_TIMEOUT_SECONDS = env_int("OIDC_BACKCHANNEL_LOGOUT_TIMEOUT_SECONDS", 5)
IDP_OIDC_ROTATE_REFRESH_TOKEN = True
IDP_OIDC_INTROSPECTION_ENABLED = True
# A resource server asks about the tokens of the applications calling it; any
# other client only about its own (provider/adapter.py, is_introspection_allowed).
IDP_OIDC_INTROSPECTION_CROSS_CLIENT_ALLOWED = True
# Where the authorization endpoint sends a person who is not signed in.
LOGIN_URL = "hosted-login"
# Where signing out of the provider lands when the application names no page.
ACCOUNT_LOGOUT_REDIRECT_URL = "hosted-login"

# Security events are kept this many days (`manage.py purge_security_events`).
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)

# Behind a reverse proxy, the number of proxies whose X-Forwarded-For is trusted.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Attempts allowed per flow (users/ratelimits.py): "amount/duration/per" where per
# is ip, key (the flow's target, e.g. an address) or user. Counts live in the cache.
RATE_LIMITS = {
    # Every login attempt, per client IP.
    "login": "30/m/ip",
    # Failed logins: a ceiling per IP against password spraying, and Auth0's
    # default lock of 10 failures per account per IP. The key also carries a
    # digest of the account's password hash, so a password reset lifts the lock.
    "login_failed": "100/h/ip,10/15m/key",
    # ASVS 2.2.1: at most 100 failures per account an hour, whatever their source.
    # Its owner gets one mail per lock with a link past it (users/credentials.py).
    "login_failed_account": "100/h/key",
    "login_locked_mail": "1/h/key",
    "unlock_account": "20/m/ip",
    # Per IP only: a limit per address would let strangers switch off its
    # owner's registration or recovery. The mail per address is bounded
    # silently instead (account_mail).
    "register": "20/m/ip",
    "resend_verification_email": "20/m/ip",
    "verify_email": "20/m/ip",
    "request_password_reset": "20/m/ip",
    "reset_password": "20/m/ip",
    "change_password": "5/m/user",
    # Starting a sign-in at another identity provider stores its state.
    "external_login": "20/m/ip",
    # As `register` (per IP), and a few per account: each may mail an address.
    "change_email": "20/m/ip,5/m/user",
    # Second factors: a password login's second step, passkey logins and
    # `reauthenticate` count as logins (above). Asking for WebAuthn options stores
    # a challenge; enrolling and removing factors is bounded per account.
    "webauthn_options": "30/m/ip",
    "manage_factors": "30/m/user",
    # The device flow (RFC 8628): each request stores a code pair in the cache
    # for its 5 minutes, so a device's requests are bounded per IP. Entering a
    # user code on /device is allauth's own limit (device_user_code, 5/m/ip).
    "device_code": "10/m/ip",
    # Failed logins and codes recorded as security events, per account: a flood of
    # guesses leaves this many rows, then the lock's one LOGIN_LOCKED (audit/log.py).
    "audit_failures": "10/15m/key",
    # A lock on an account from one network is recorded once (LOGIN_LOCKED).
    "audit_locks": "1/15m/key",
    # At most one account mail of a kind (verification or "already registered";
    # password reset) per address in this many seconds, so nobody can flood an
    # inbox through the API. Silent: the answer is the same whether a mail went
    # out or not. A stranger's request cannot keep the owner from recovering:
    # the link it sent is in the owner's inbox, valid for an hour.
    "account_mail": f"1/{env_int('EMAIL_COOLDOWN_SECONDS', 180)}s/key",
}
if env_bool("RATE_LIMITS_DISABLED", False):
    # Load tests only. The bounds on recorded failures stay: they limit rows, not people.
    RATE_LIMITS = {action: rate for action, rate in RATE_LIMITS.items() if action.startswith("audit_")}
    IDP_OIDC_RATE_LIMITS = False

# Email: SMTP when EMAIL_HOST is set, the console otherwise.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Mails, webhooks and the lookups of the mail flows are jobs on a durable queue
# (users/jobs.py): rows of the database, run by `manage.py worker`, or by
# threads of the server itself when JOBS_IN_PROCESS is set (`make run` sets it).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
JOBS_IN_PROCESS = env_bool("JOBS_IN_PROCESS", False)
# A failed delivery runs again after 30 s, 1 min, 2 min, ... at most an hour
# apart, for at least JOBS_RETRY_HOURS; then it waits for staff (the admin).
JOBS_RETRY_FIRST_SECONDS = env_float("JOBS_RETRY_FIRST_SECONDS", 30.0)
JOBS_RETRY_MAX_SECONDS = env_float("JOBS_RETRY_MAX_SECONDS", 3600.0)
JOBS_RETRY_HOURS = env_float("JOBS_RETRY_HOURS", 25.0)
# A job still running this long after it started belongs to a worker that died:
# it runs again. Longer than any job's own timeouts (SMTP, webhooks: seconds).
JOBS_LEASE_SECONDS = env_int("JOBS_LEASE_SECONDS", 300)
JOBS_RECOVER_SECONDS = env_float("JOBS_RECOVER_SECONDS", 60.0)
# Webhook receivers (webhooks/): http only on loopback, and only in development.
WEBHOOKS_ALLOW_HTTP_LOOPBACK = env_bool("WEBHOOKS_ALLOW_HTTP_LOOPBACK", DEBUG)
WEBHOOKS_TIMEOUT_SECONDS = env_float("WEBHOOKS_TIMEOUT_SECONDS", 10.0)
WEBHOOKS_REFRESH_SECONDS = env_float("WEBHOOKS_REFRESH_SECONDS", 5.0)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The languages pages and mails offer (docs/operations.md, LANGUAGES), English first: the
# fallback. Chosen per request by users/languages.py.
LANGUAGE_CODE = "en"
LANGUAGES = parse_languages(os.environ.get("LANGUAGES", "en,fr"))
LOCALE_PATHS = [BASE_DIR / "gql_auth" / "locale"]  # the service's own catalogues (make messages)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Serve straight from the apps' static folders: no collectstatic step to forget
# (STATIC_ROOT only for a front server that wants the files collected).
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# WhiteNoise answers `Access-Control-Allow-Origin: *` on static files unless told
# not to: only /graphql/ is cross-origin.
WHITENOISE_ALLOW_ALL_ORIGINS = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# HTTPS, when PUBLIC_URL says the service is reached over it (`manage.py check
# --deploy` is clean then; CI runs it).
HTTPS = PUBLIC_URL.lower().startswith("https://")
if HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True  # the admin's cookies
    # The admin's forms behind a proxy: their Origin is the public one.
    CSRF_TRUSTED_ORIGINS = [PUBLIC_URL]
if HTTPS and not DEBUG:
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    # Preloading commits the whole registrable domain, which is its owner's call,
    # not this service's: off unless asked for, and the check that nags about it
    # is silenced.
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers probe over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if ALLAUTH_TRUSTED_PROXY_COUNT:
    # The proxies trusted for the client's address (X-Forwarded-For) also say
    # whether the client came over HTTPS; without a proxy the header is ignored.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Browser apps on other origins (django-cors-headers): only the listed ones, and
# only on the API: the admin and the pages never answer cross-origin.
CORS_ALLOWED_ORIGINS = parse_origins(os.environ.get("CORS_ALLOWED_ORIGINS", ""), "CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/graphql/?\Z"
CORS_ALLOW_METHODS = ["GET", "POST", "OPTIONS"]
CORS_ALLOW_HEADERS = ["authorization", "content-type"]
CORS_PREFLIGHT_MAX_AGE = env_int("CORS_PREFLIGHT_MAX_AGE", 3600)
# Cookie sessions from listed origins (users.authentication): their answers may be
# read with credentials. Never another origin's: cors-headers answers no other.
CORS_ALLOW_CREDENTIALS = True

# Pages load only what the service serves; no inline script anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Security events to a log collector too (audit/syslog.py): RFC 5424 over UDP, TCP or TLS.
AUDIT_SYSLOG_URL = os.environ.get("AUDIT_SYSLOG_URL", "")
AUDIT_HANDLERS = []
if AUDIT_SYSLOG_URL:
    try:
        audit_syslog.parse_url(AUDIT_SYSLOG_URL)
    except ValueError as error:
        raise ImproperlyConfigured(str(error)) from None
    AUDIT_HANDLERS = ["audit_syslog"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        # Security events: the message is the whole line, one JSON object (audit/log.py).
        "json_line": {"format": "%(message)s"},
    },
    "filters": {
        "outages": {"()": "users.outages.RequestLogFilter"},
        "refused_hosts": {"()": "gql_auth.log_filters.RefusedHostFilter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "audit": {"class": "logging.StreamHandler", "formatter": "json_line", "stream": "ext://sys.stdout"},
        **(
            {
                "audit_syslog": {
                    "class": "audit.syslog.QueuedCollectorHandler",
                    "url": AUDIT_SYSLOG_URL,
                    "ca_file": os.environ.get("AUDIT_SYSLOG_CA_FILE") or None,
                }
            }
            if AUDIT_SYSLOG_URL
            else {}
        ),
    },
    "loggers": {
        "gql_auth.audit": {"handlers": ["audit", *AUDIT_HANDLERS], "level": "INFO", "propagate": False},
        # An outage is logged once by users/outages.py, not with a traceback per request.
        "django.request": {"filters": ["outages"]},
        "django.security.DisallowedHost": {"filters": ["refused_hosts"]},
        # The engine calls a job to be retried FAILED at each attempt; users/jobs.py
        # logs what each failure means (a retry, a bug with its traceback, giving up).
        "django_tasks": {"level": "CRITICAL"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
