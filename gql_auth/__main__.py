"""`python -m gql_auth` and the installed `gql-auth` command: Django's manage.py,
for an install that has no checkout (`gql-auth migrate`, `gql-auth check --deploy`)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gql_auth.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
