#!/usr/bin/env python
"""A Django site of another team that signs people in through gql-auth with
mozilla-django-oidc (docs/applications.md, "A Django site")."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiki.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
