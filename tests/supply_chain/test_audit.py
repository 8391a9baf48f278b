"""`make audit` fails on a known vulnerability unless audit-ignore.toml accepts that advisory for that package with
a reason; an entry without a reason is refused. pycrypto 2.6.1 (its last release) carries public advisories
(CVE-2013-7459, CVE-2018-6594), so it is the known-vulnerable pin here. Needs the package index (advisories)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VULNERABLE = "pycrypto==2.6.1\n"
ACCEPT_BOTH = """
[[ignore]]
id = "CVE-2013-7459"
package = "PyCrypto"
reason = "test: the ALGnew overflow path is never called"
[[ignore]]
id = "CVE-2018-6594"
package = "pycrypto"
reason = "test: no ElGamal keys are generated"
"""


def run_audit(tmp_path: Path, requirements: str, ignores: str = "") -> subprocess.CompletedProcess[str]:
    (tmp_path / "requirements.txt").write_text(requirements)
    (tmp_path / "ignore.toml").write_text(ignores)
    arguments = ["--requirements", tmp_path / "requirements.txt", "--ignore-file", tmp_path / "ignore.toml"]
    return subprocess.run(
        [sys.executable, "-m", "scripts.supplychain.audit", *map(str, arguments)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_known_vulnerability_without_an_entry_fails(tmp_path):
    audit = run_audit(tmp_path, VULNERABLE)
    assert audit.returncode != 0
    assert "VULNERABLE pycrypto==2.6.1" in audit.stdout
    assert "CVE-2013-7459" in audit.stdout
    assert "without an audit-ignore.toml entry" in audit.stderr


def test_accepted_advisories_pass_with_their_reasons(tmp_path):
    audit = run_audit(tmp_path, VULNERABLE, ACCEPT_BOTH)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "no ElGamal keys are generated" in audit.stdout
    assert "VULNERABLE" not in audit.stdout


def test_accepting_one_advisory_does_not_accept_the_others(tmp_path):
    audit = run_audit(tmp_path, VULNERABLE, ACCEPT_BOTH.split("[[ignore]]")[1].join(["[[ignore]]", ""]))
    assert audit.returncode != 0
    assert "CVE-2018-6594" in audit.stdout


def test_an_entry_for_another_package_does_not_accept_the_advisory(tmp_path):
    audit = run_audit(
        tmp_path, VULNERABLE, ACCEPT_BOTH.replace("pycrypto", "pycryptodome").replace("PyCrypto", "x")
    )
    assert audit.returncode != 0
    assert "VULNERABLE pycrypto==2.6.1" in audit.stdout


@pytest.mark.parametrize("field", ["reason", "package", "id"])
def test_an_entry_without_its_fields_is_refused(tmp_path, field):
    broken = "\n".join(line for line in ACCEPT_BOTH.splitlines() if not line.startswith(field))
    audit = run_audit(tmp_path, VULNERABLE, broken)
    assert audit.returncode != 0
    assert f"has no {field}" in audit.stderr


def test_a_clean_pin_passes(tmp_path):
    audit = run_audit(tmp_path, "idna==3.21\n")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "0 finding(s)" in audit.stdout
