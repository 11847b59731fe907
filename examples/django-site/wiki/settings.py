"""Settings of a Django site that signs people in through gql-auth with
mozilla-django-oidc: its own database and users, gql-auth as the identity
provider. The lines marked "gql-auth" are the ones docs/applications.md names.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ["WIKI_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "mozilla_django_oidc",  # gql-auth
    "wiki",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "wiki.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["WIKI_DATABASE"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
TEMPLATES = []

AUTHENTICATION_BACKENDS = ["mozilla_django_oidc.auth.OIDCAuthenticationBackend"]  # gql-auth
# gql-auth: the issuer (PUBLIC_URL) and the paths its discovery document names.
ISSUER = os.environ["GQL_AUTH_ISSUER"]
OIDC_OP_AUTHORIZATION_ENDPOINT = f"{ISSUER}/identity/o/authorize"
OIDC_OP_TOKEN_ENDPOINT = f"{ISSUER}/identity/o/api/token"
OIDC_OP_USER_ENDPOINT = f"{ISSUER}/identity/o/api/userinfo"
OIDC_OP_JWKS_ENDPOINT = f"{ISSUER}/.well-known/jwks.json"
OIDC_OP_LOGOUT_ENDPOINT = f"{ISSUER}/identity/o/logout"
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_CLIENT_ID = os.environ["OIDC_RP_CLIENT_ID"]  # from `manage.py oidc_client create`
OIDC_RP_CLIENT_SECRET = os.environ["OIDC_RP_CLIENT_SECRET"]
OIDC_RP_SCOPES = "openid email"
OIDC_USE_PKCE = True
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
