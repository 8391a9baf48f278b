"""`make chart-package` produces a versioned chart archive with a provenance file that `helm verify` accepts, and
the signature protects it: a changed archive, or a keyring without the signer's key, fails verification.

A throwaway RSA key is generated with gpg in a temporary GNUPGHOME; helm reads GnuPG's legacy keyring format, so the
keys are exported to secring.gpg / pubring.gpg files."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from chart_render import CHART, HELM, REPO

GPG = shutil.which("gpg")
pytestmark = pytest.mark.skipif(
    GPG is None, reason="gpg is not installed (make test-chart installs Debian gnupg)"
)
CHART_VERSION = yaml.safe_load((CHART / "Chart.yaml").read_text())["version"]


def make_keyrings(home: Path, name: str) -> tuple[Path, Path]:
    """A passphrase-less signing key `name`; returns (secret keyring, public keyring) in the legacy format."""
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    batch = f"Key-Type: RSA\nKey-Length: 3072\nName-Real: {name}\nName-Email: {name}@example.invalid\n%no-protection\n%commit\n"
    subprocess.run(
        [GPG, "--batch", "--gen-key"], input=batch, text=True, env=env, check=True, capture_output=True
    )
    secring, pubring = home / "secring.gpg", home / "pubring.gpg"
    for option, path in (("--export-secret-keys", secring), ("--export", pubring)):
        path.write_bytes(
            subprocess.run([GPG, "--batch", option, name], env=env, check=True, capture_output=True).stdout
        )
    # helm reads the exported files, not the agent gpg started for this home: stop it rather than leave it running
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, check=True, capture_output=True)
    return secring, pubring


def helm_verify(archive: Path, keyring: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HELM, "verify", "--keyring", str(keyring), str(archive)], capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def signed(tmp_path_factory) -> tuple[Path, Path]:
    """The archive `make chart-package` wrote, and the public keyring of its signer."""
    tmp = tmp_path_factory.mktemp("chart-package")
    secring, pubring = make_keyrings(tmp / "gnupg", "triboka-chart-test")
    dist = tmp / "dist"
    variables = {
        "HELM": HELM,
        "CHART_DIST": dist,
        "CHART_SIGN_KEY": "triboka-chart-test",
        "CHART_KEYRING": secring,
        "CHART_VERIFY_KEYRING": pubring,
    }
    make = ["make", "--no-print-directory", "-C", str(REPO), "chart-package"]
    subprocess.run([*make, *(f"{k}={v}" for k, v in variables.items())], check=True, capture_output=True)
    return dist / f"triboka-{CHART_VERSION}.tgz", pubring


def test_the_archive_is_versioned_and_has_a_provenance_file(signed):
    archive, _ = signed
    assert archive.is_file()
    provenance = Path(f"{archive}.prov").read_text()
    assert "-----BEGIN PGP SIGNED MESSAGE-----" in provenance
    assert f"version: {CHART_VERSION}" in provenance
    assert f"triboka-{CHART_VERSION}.tgz: sha256:" in provenance


def test_helm_verify_accepts_the_signed_archive(signed):
    archive, pubring = signed
    verified = helm_verify(archive, pubring)
    assert verified.returncode == 0, verified.stderr
    assert "triboka-chart-test" in verified.stdout


def test_a_changed_archive_fails_verification(signed, tmp_path):
    archive, pubring = signed
    tampered = tmp_path / archive.name
    tampered.write_bytes(
        archive.read_bytes() + b"\0"
    )  # still a gzip stream helm can read; the digest differs
    shutil.copy(f"{archive}.prov", f"{tampered}.prov")
    verified = helm_verify(tampered, pubring)
    assert verified.returncode != 0
    assert "sha256" in verified.stderr.lower() or "digest" in verified.stderr.lower(), verified.stderr


def test_another_signers_keyring_fails_verification(signed, tmp_path):
    archive, _ = signed
    _, stranger = make_keyrings(tmp_path / "gnupg", "someone-else")
    assert helm_verify(archive, stranger).returncode != 0
