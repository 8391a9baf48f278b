"""`make web-assets` (scripts/fetch-web-assets) vendors only npm tarballs whose sha512 matches the `integrity`
package-lock.json records: a tampered tarball fails the target and leaves the vendored assets as they were."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / "services" / "web" / "assets"
FETCH = REPO / "scripts" / "fetch-web-assets"

pytestmark = pytest.mark.skipif(
    shutil.which("npm") is None, reason="npm is not installed (Node.js): it fetches"
)


def fetch(
    vendor: Path, cache: Path, *, assets: Path = ASSETS, offline: bool = False
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"npm_config_cache": str(cache)} | ({"npm_config_offline": "true"} if offline else {})
    return subprocess.run(
        [str(FETCH), str(assets), str(vendor)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def cached_tarball(cache: Path, package: str) -> Path:
    """npm's cache stores a tarball under the hex of the sha512 it was checked against."""
    lock = json.loads((ASSETS / "package-lock.json").read_text())
    integrity = lock["packages"][f"node_modules/{package}"]["integrity"]
    digest = base64.b64decode(integrity.removeprefix("sha512-")).hex()
    return cache / "_cacache" / "content-v2" / "sha512" / digest[:2] / digest[2:4] / digest[4:]


def test_a_tampered_tarball_fails_and_vendors_nothing(tmp_path: Path):
    vendor, cache = tmp_path / "vendor", tmp_path / "npm-cache"
    first = fetch(vendor, cache)
    assert first.returncode == 0, first.stderr
    assert (vendor / "chart.js" / "chart.umd.min.js").is_file()
    assert (vendor / "bootstrap" / "bootstrap.min.css").is_file()

    tarball = cached_tarball(cache, "chart.js")
    assert tarball.is_file()
    data = bytearray(tarball.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tarball.write_bytes(bytes(data))
    (vendor / "previous").write_text("the assets vendored before")

    # offline: the only copy npm could use is the tampered one, which it refuses (and drops from its cache)
    tampered = fetch(vendor, cache, offline=True)
    assert tampered.returncode != 0, tampered.stdout
    assert (vendor / "previous").read_text() == "the assets vendored before"
    assert not tarball.exists()


def test_a_tarball_that_is_not_the_recorded_one_fails(tmp_path: Path):
    """What a substituted tarball looks like from here: the served bytes do not hash to the recorded sha512."""
    assets = tmp_path / "assets"
    shutil.copytree(ASSETS, assets)
    lock = json.loads((assets / "package-lock.json").read_text())
    entry = lock["packages"]["node_modules/chart.js"]
    digest = bytearray(base64.b64decode(entry["integrity"].removeprefix("sha512-")))
    digest[0] ^= 0xFF
    entry["integrity"] = "sha512-" + base64.b64encode(bytes(digest)).decode()
    (assets / "package-lock.json").write_text(json.dumps(lock, indent=2))

    vendor = tmp_path / "vendor"
    result = fetch(vendor, tmp_path / "npm-cache", assets=assets)
    assert result.returncode != 0
    assert "EINTEGRITY" in result.stderr, result.stderr
    assert not vendor.exists()
