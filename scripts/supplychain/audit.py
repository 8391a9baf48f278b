"""`make audit`: known vulnerabilities in everything uv.lock installs (the three services and the tool groups),
found by pip-audit in a hashed export of the lock. A finding passes only when audit-ignore.toml has an entry for
that advisory and package with a reason; any other finding fails the audit.

pip-audit reads PyPI's advisories of each pinned version. Where the registry serves only the project documents
(this project's machines answer 404 for the per-version one), a pin that is the project's latest release is
checked against the project document's advisories, which are the latest release's; any other pin is listed as
not audited, and `--strict` makes that a failure too.

    python -m scripts.supplychain.audit [--requirements FILE] [--ignore-file audit-ignore.toml] [--strict]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import requests
from packaging.utils import canonicalize_name
from pip._internal.models.index import PyPI  # the index's JSON API root, so this file names no host

from scripts.supplychain.lockset import locked_requirements

ROOT = Path(__file__).resolve().parents[2]
# everything the lock installs: the three services and every tool group
EXPORT_ALL = [
    "export",
    "--quiet",
    "--frozen",
    "--all-packages",
    "--all-groups",
    "--no-emit-workspace",
    "--format",
    "requirements-txt",
]
# the export is the whole closure, so pip-audit needs no resolver
PIP_AUDIT = ["-m", "pip_audit", "--disable-pip", "--no-deps", "--format", "json", "--progress-spinner", "off"]


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    ids: tuple[str, ...]  # the advisory id first, then its aliases (CVE, GHSA, PYSEC)
    fixed_in: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class Accepted:
    id: str
    package: str
    reason: str


def load_ignores(path: Path) -> list[Accepted]:
    """The accepted advisories; an entry without an id, package or a reason is an error, not an exception."""
    entries = tomllib.loads(path.read_text()).get("ignore", [])
    ignores = []
    for number, entry in enumerate(entries, 1):
        missing = [key for key in ("id", "package", "reason") if not str(entry.get(key, "")).strip()]
        if missing:
            raise SystemExit(f"{path}: [[ignore]] entry {number} has no {', '.join(missing)}")
        ignores.append(Accepted(entry["id"], canonicalize_name(entry["package"]), entry["reason"].strip()))
    return ignores


def export_lock(destination: Path) -> Path:
    uv = os.environ.get("UV", str(ROOT / ".venv-uv" / "bin" / "uv"))
    subprocess.run([uv, *EXPORT_ALL, "--output-file", str(destination)], cwd=ROOT, check=True)
    return destination


def run_pip_audit(requirements: Path) -> dict:
    """pip-audit's JSON report."""
    done = subprocess.run(
        [sys.executable, *PIP_AUDIT, "--requirement", str(requirements)],
        capture_output=True,
        text=True,
    )
    if done.returncode not in (0, 1):  # 1: vulnerabilities found; anything else: pip-audit itself failed
        raise SystemExit(f"pip-audit failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout)


def latest_release_findings(package: str, version: str) -> list[Finding] | None:
    """The project document's advisories when `version` is the latest release, else None (not auditable)."""
    response = requests.get(f"{PyPI.pypi_url}/{package}/json", timeout=30)
    response.raise_for_status()
    project = response.json()
    if project["info"]["version"] != version:
        return None
    return [
        Finding(
            package,
            version,
            (v["id"], *v.get("aliases", [])),
            tuple(v.get("fixed_in", [])),
            v.get("summary") or "",
        )
        for v in project.get("vulnerabilities", [])
        if v.get("withdrawn") is None
    ]


def audit(requirements: Path) -> tuple[list[Finding], list[str]]:
    """Every finding, and the `name==version` pins that could not be audited."""
    pins = {
        canonicalize_name(r.name): next(iter(r.specifier)).version for r in locked_requirements(requirements)
    }
    findings: list[Finding] = []
    not_audited = []
    for dependency in run_pip_audit(requirements)["dependencies"]:
        package = canonicalize_name(dependency["name"])
        if "skip_reason" not in dependency:
            findings += [
                Finding(
                    package,
                    dependency["version"],
                    (v["id"], *v["aliases"]),
                    tuple(v["fix_versions"]),
                    v["description"],
                )
                for v in dependency["vulns"]
            ]
            continue
        found = latest_release_findings(package, pins[package])
        if found is None:
            not_audited.append(f"{package}=={pins[package]}")
        else:
            findings += found
    return findings, not_audited


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--requirements", type=Path, help="a pinned requirements file (default: export uv.lock)"
    )
    parser.add_argument("--ignore-file", type=Path, default=ROOT / "audit-ignore.toml")
    parser.add_argument(
        "--strict", action="store_true", help="a pin that could not be audited fails the audit"
    )
    args = parser.parse_args()
    ignores = load_ignores(args.ignore_file)
    with tempfile.TemporaryDirectory() as tmp:
        requirements = args.requirements or export_lock(Path(tmp) / "lock-export.txt")
        findings, not_audited = audit(requirements)
    failed = False
    for finding in findings:
        accepted = next((i for i in ignores if i.package == finding.package and i.id in finding.ids), None)
        where = f"{finding.package}=={finding.version} {'/'.join(finding.ids)} (fixed in: {', '.join(finding.fixed_in) or '-'})"
        if accepted:
            print(f"accepted  {where}: {accepted.reason}")
        else:
            failed = True
            print(f"VULNERABLE {where}: {finding.summary}")
    for ignore in ignores:
        if not any(ignore.package == f.package and ignore.id in f.ids for f in findings):
            print(
                f"note: audit-ignore entry {ignore.id} ({ignore.package}) matches nothing any more: remove it"
            )
    if not_audited:
        print(
            f"not audited ({len(not_audited)}; the registry serves advisories of latest releases only): {' '.join(not_audited)}"
        )
    print(f"audit: {len(findings)} finding(s), {len(not_audited)} pin(s) not audited")
    if failed:
        raise SystemExit("audit: FAILED: a known vulnerability without an audit-ignore.toml entry")
    if args.strict and not_audited:
        raise SystemExit("audit: FAILED (--strict): pins without advisory data")


if __name__ == "__main__":
    main()
