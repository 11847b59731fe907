"""The service's settings plus what only the benchmark needs: the ceiling view and
dj-rest-auth with DRF's own tokens, the REST stack the service is compared with;
with BENCH_ARGON2=keycloak, Keycloak's password hash parameters (bench/hashers.py)."""

import os

from gql_auth.settings import *  # noqa: F403
from gql_auth.settings import INSTALLED_APPS, PASSWORD_HASHERS

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken", "dj_rest_auth"]
ROOT_URLCONF = "bench.urls"
WSGI_APPLICATION = "bench.wsgi.application"

if os.environ.get("BENCH_ARGON2") == "keycloak":
    PASSWORD_HASHERS = [
        "bench.hashers.KeycloakArgon2PasswordHasher",
        *(h for h in PASSWORD_HASHERS if h != "django.contrib.auth.hashers.Argon2PasswordHasher"),
    ]
