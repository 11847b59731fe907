"""Settings of another team's DRF service that trusts gql-auth's sessions.

It shares gql-auth's database (read-only in spirit: gql-auth owns those tables
and their migrations) and lists gql-auth's token class. This is all it needs of
gql-auth; the lines marked "gql-auth" are the ones docs/applications.md names.
"""

import os

import dj_database_url

SECRET_KEY = os.environ["ORDERS_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "allauth",  # gql-auth: its accounts' addresses are allauth's
    "allauth.account",  # gql-auth
    "users",  # gql-auth: the accounts and their sessions
    "orders",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "allauth.account.middleware.AccountMiddleware",  # gql-auth: allauth.account refuses to start without it
]
ROOT_URLCONF = "orders.urls"

AUTH_USER_MODEL = "users.User"  # gql-auth
DATABASES = {"default": dj_database_url.parse(os.environ["GQL_AUTH_DATABASE_URL"])}  # gql-auth's database

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["users.authentication.TokenAuthentication"],  # gql-auth
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
}

USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
