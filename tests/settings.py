"""The suite runs on the development settings (DEBUG=1: explorer, introspection,
this checkout's own key); tests of production behaviour start processes of their own
with the environment they need (tests/test_settings.py, tests/servers.py)."""

import os

os.environ.setdefault("DEBUG", "1")

from gql_auth.settings import *  # noqa: E402,F403
