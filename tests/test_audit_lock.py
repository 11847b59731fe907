"""The known-vulnerability check over the lock (.ci/audit_lock.py): a reported
vulnerability fails unless it is accepted with a reason; no advisory data is
said, not passed off as a clean audit."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("audit_lock", ROOT / ".ci" / "audit_lock.py")
audit_lock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_lock)

VULNERABLE_REPORT = {
    "dependencies": [
        {"name": "django", "version": "5.2.19", "vulns": []},
        {
            "name": "example",
            "version": "1.0",
            "vulns": [{"id": "PYSEC-2099-1", "aliases": ["CVE-2099-0001"], "fix_versions": ["1.1"]}],
        },
        {"name": "gql-auth", "skip_reason": "not on the index"},
    ]
}


def test_a_reported_vulnerability_fails():
    status, lines = audit_lock.verdict(VULNERABLE_REPORT, {})
    assert status == audit_lock.VULNERABLE
    assert "VULNERABLE example 1.0: PYSEC-2099-1 (fixed in 1.1)" in lines


def test_a_vulnerability_accepted_with_a_reason_passes_by_id_or_alias():
    for name in ("PYSEC-2099-1", "CVE-2099-0001"):
        status, lines = audit_lock.verdict(VULNERABLE_REPORT, {name: "the affected parser is never called"})
        assert status == audit_lock.OK
        assert any(line.startswith("accepted example 1.0") for line in lines)


def test_an_accepted_advisory_needs_a_reason(tmp_path):
    ignore = tmp_path / "ignore"
    ignore.write_text("# a comment\nPYSEC-2099-1 the parser is never called\nGHSA-xxxx-yyyy-zzzz\n")
    with pytest.raises(SystemExit, match="GHSA-xxxx-yyyy-zzzz is listed without a reason"):
        audit_lock.read_ignored(ignore)


def test_no_advisory_data_is_not_a_clean_audit():
    nothing = {"dependencies": [{"name": "django", "version": "5.2.19", "skip_reason": "not found"}]}
    for report in (nothing, None):
        status, lines = audit_lock.verdict(report, {})
        assert status == audit_lock.NOT_AUDITED and lines[0].startswith("audit not done")


def test_the_ignore_file_reads():
    assert isinstance(audit_lock.read_ignored(ROOT / ".ci" / "pip-audit-ignore"), dict)
