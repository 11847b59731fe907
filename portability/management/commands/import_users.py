"""manage.py import_users FILE [--dry-run] (portability/importing.py)."""

from __future__ import annotations

import json
import os
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from portability.importing import import_rows, rows

LINE_EVERY = 10_000  # rows between progress lines when stderr is not a terminal


class Progress:
    """On a terminal, a bar with the rate and the time left (by the bytes read);
    otherwise a line every LINE_EVERY rows."""

    def __init__(self, stream, size: int, out) -> None:
        self.stream, self.size, self.out = stream, size, out
        self.started = time.monotonic()
        self.next_line = LINE_EVERY
        self.bar = None
        if out.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=size, unit="B", unit_scale=True, file=out, desc="import_users")

    def __call__(self, summary) -> None:
        done = self.stream.tell()
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
            self.bar.set_postfix(rows=summary.rows, failed=len(summary.failed), refresh=False)
        elif summary.rows >= self.next_line:
            rate = summary.rows / max(time.monotonic() - self.started, 1e-9)
            share = f", {100 * done / self.size:.0f}% of the file" if self.size else ""
            self.out.write(f"import_users: {summary.rows} rows, {rate:.0f} rows/s{share}\n")
            self.out.flush()
            self.next_line = summary.rows - summary.rows % LINE_EVERY + LINE_EVERY

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Command(BaseCommand):
    help = "Import users from Auth0's bulk-import or password-hash export format (JSON lines or a JSON array)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="newline-delimited JSON or a JSON array of users")
        parser.add_argument("--dry-run", action="store_true", help="check and count; write nothing")

    def handle(self, *, file: str, dry_run: bool, **options) -> None:
        try:
            stream = open(file, "rb")  # noqa: SIM115 (closed below, after the last row)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}", returncode=2) from None
        with stream:
            size = os.fstat(stream.fileno()).st_size
            progress = Progress(stream, size, self.stderr._out)  # the raw stream: a bar writes "\r", no line ends
            try:
                summary = import_rows(rows(stream), dry_run=dry_run, progress=progress)
            finally:
                progress.close()
        self.stdout.write(json.dumps(summary.as_json()))
        if summary.stopped:
            raise CommandError(summary.stopped, returncode=2)
        if summary.failed:
            sys.exit(1)
