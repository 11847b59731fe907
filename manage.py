#!/usr/bin/env python
"""Django's command-line utility for administrative tasks (gql_auth/__main__.py)."""

from gql_auth.__main__ import main

if __name__ == "__main__":
    main()
