"""The service's settings plus what only the benchmark needs: the ceiling view and
dj-rest-auth with DRF's own tokens, the REST stack the service is compared with."""

from gql_auth.settings import *  # noqa: F403
from gql_auth.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken", "dj_rest_auth"]
ROOT_URLCONF = "bench.urls"
WSGI_APPLICATION = "bench.wsgi.application"
