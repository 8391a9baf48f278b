"""The lock is the single source of what gets installed: `scripts/lock --check` (in `make lint` and `make audit`)
fails when a pyproject.toml changed without `make lock`, or when an image's requirements.lock was edited or left
behind; and the locked set of an image follows the environment markers of the images' platform."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from scripts.supplychain.lockset import installed_set, project

REPO = Path(__file__).resolve().parents[2]
UV = os.environ.get("UV", str(REPO / ".venv-uv" / "bin" / "uv"))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of the workspace's lock inputs (pyprojects, uv.lock, exports) and scripts/lock."""
    exports_and_pyprojects = [
        *REPO.glob("services/*/pyproject.toml"),
        *REPO.glob("services/*/requirements.lock"),
        *REPO.glob("k8s/images/postgres-ha/*.toml"),
        *REPO.glob("k8s/images/postgres-ha/*.lock"),
    ]
    for relative in [
        "pyproject.toml",
        "uv.lock",
        "scripts/lock",
        *(p.relative_to(REPO) for p in exports_and_pyprojects),
    ]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / relative, tmp_path / relative)
    return tmp_path


def lock_check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [root / "scripts" / "lock", "--check"], env={**os.environ, "UV": UV}, capture_output=True, text=True
    )


def test_the_committed_lock_and_exports_are_current(workspace):
    assert lock_check(workspace).returncode == 0


def test_a_dependency_added_without_relocking_fails(workspace):
    pyproject = workspace / "services" / "web" / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('"babel==2.18.0",', '"babel==2.18.0",\n    "idna==3.21",')
    )
    check = lock_check(workspace)
    assert check.returncode != 0
    assert "uv.lock is out of date" in check.stderr


def test_an_edited_export_fails(workspace):
    export = workspace / "services" / "api" / "requirements.lock"
    export.write_text(export.read_text().replace("alembic==", "alembic==0.0.1\n# was alembic==", 1))
    check = lock_check(workspace)
    assert check.returncode != 0
    assert "services/api/requirements.lock is out of date" in check.stderr


@pytest.mark.parametrize("export", ["requirements.lock", "build.lock"])
def test_an_edited_export_of_the_patroni_image_fails(workspace, export):
    path = workspace / "k8s" / "images" / "postgres-ha" / export
    path.write_text(path.read_text().replace("--hash=sha256:", "--hash=sha256:0", 1))
    check = lock_check(workspace)
    assert check.returncode != 0
    assert f"k8s/images/postgres-ha/{export} is out of date" in check.stderr


def test_the_locked_set_follows_the_images_platform(tmp_path):
    export = tmp_path / "requirements.lock"
    export.write_text(
        "# header\nuvloop==0.23.0 ; sys_platform != 'win32' \\\n    --hash=sha256:00\n    # via uvicorn\n"
        "colorama==0.4.6 ; sys_platform == 'win32' \\\n    --hash=sha256:11\nPyYAML==6.0.3 \\\n    --hash=sha256:22\n"
        "async-timeout==5.0.1 ; python_full_version < '3.11.3' \\\n    --hash=sha256:33\n"
    )
    # Debian bookworm's CPython 3.11.2 installs what a marker on the patch release asks; a newer 3.11 does not
    assert installed_set(export, "3.11.2") == {
        "uvloop": "0.23.0",
        "pyyaml": "6.0.3",
        "async-timeout": "5.0.1",
    }
    assert installed_set(export, "3.11.7") == {"uvloop": "0.23.0", "pyyaml": "6.0.3"}


def test_one_release_version_everywhere():
    """The three services and the chart's appVersion (the images' tag) state the same release."""
    chart = yaml.safe_load((REPO / "charts" / "triboka" / "Chart.yaml").read_text())
    versions = {project(path.parent)[1] for path in REPO.glob("services/*/pyproject.toml")}
    assert versions == {chart["appVersion"]}
