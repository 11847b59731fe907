"""Secrets a development checkout makes for itself, once, outside the repository.

A key written in the source would be everyone's key: anything signed with it
(verification and reset links) could be forged by whoever reads the code. So a
development server generates its own on first start, keeps it in an ignored
file readable by its owner alone, and reuses it, so links survive a restart.
Production never comes here: without DEBUG the settings demand SECRET_KEY.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path


def read_or_create(path: Path, make=lambda: secrets.token_urlsafe(50)) -> str:
    """The secret kept at `path`, created there by `make()` if there is none yet."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    # Written whole to a private temporary file, then linked into place: of two
    # processes starting at once, one links, the other reads a complete file.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as file:
            file.write(value + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            return path.read_text().strip()
    finally:
        os.unlink(temporary)
    return value
