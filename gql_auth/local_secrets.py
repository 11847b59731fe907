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
from pathlib import Path


def read_or_create(path: Path, make=lambda: secrets.token_urlsafe(50)) -> str:
    """The secret kept at `path`, created there by `make()` if there is none yet."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    try:
        # O_EXCL: of two processes starting at once, one writes, the other reads.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(value + "\n")
    return value
