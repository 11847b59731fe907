"""Known vulnerabilities in the locked versions (`make audit`, run by .ci/run).

pip-audit reads the lock as it is (hashed pins, no resolution) and asks the
package index's advisory data of each version. A reported vulnerability fails
unless the ignore file lists its id (or an alias: CVE, GHSA, PYSEC) with a
reason. Where the index gives no advisory data (it cannot be reached, or only
its download API is served), nothing was audited: that is said plainly, and it
fails only with AUDIT_REQUIRED=1.

Usage: audit_lock.py LOCK IGNORE_FILE
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

OK, VULNERABLE, NOT_AUDITED = 0, 1, 2


def read_ignored(path: Path) -> dict[str, str]:
    """id -> reason; a line is `ID reason…`, `#` starts a comment."""
    ignored = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        vuln_id, _, reason = line.partition(" ")
        if not reason.strip():
            raise SystemExit(f"{path}:{number}: {vuln_id} is listed without a reason")
        ignored[vuln_id] = reason.strip()
    return ignored


def run_pip_audit(lock: Path) -> dict | None:
    """pip-audit's JSON report, or None when it could not ask for advisories."""
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--requirement",
        str(lock),
        "--require-hashes",
        "--disable-pip",
        "--progress-spinner",
        "off",
        "--format",
        "json",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    try:
        return json.loads(done.stdout)
    except ValueError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"pip-audit could not ask for advisories: {last}", file=sys.stderr)
        return None


def verdict(report: dict | None, ignored: dict[str, str]) -> tuple[int, list[str]]:
    """The exit status and the lines to print for one report."""
    if report is None:
        return NOT_AUDITED, ["audit not done: no advisory data could be read"]
    dependencies = report.get("dependencies", [])
    audited = [dep for dep in dependencies if "skip_reason" not in dep]
    if not audited:
        return NOT_AUDITED, [
            f"audit not done: the index gave advisory data for none of the {len(dependencies)} locked packages"
        ]
    lines, found = [], False
    for dep in audited:
        for vuln in dep.get("vulns", []):
            names = [vuln["id"], *vuln.get("aliases", [])]
            reason = next((ignored[name] for name in names if name in ignored), None)
            fixed = ", ".join(vuln.get("fix_versions") or ["-"])
            where = f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})"
            if reason is None:
                found = True
                lines.append(f"VULNERABLE {where}")
            else:
                lines.append(f"accepted {where}: {reason}")
    skipped = len(dependencies) - len(audited)
    lines.append(f"{len(audited)} locked packages audited, {skipped} not found in the advisory data")
    return (VULNERABLE if found else OK), lines


def main(argv: list[str]) -> int:
    lock, ignore_file = Path(argv[0]), Path(argv[1])
    status, lines = verdict(run_pip_audit(lock), read_ignored(ignore_file))
    for line in lines:
        print(line)
    if status == NOT_AUDITED and os.environ.get("AUDIT_REQUIRED") != "1":
        return OK
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
