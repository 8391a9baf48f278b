"""Each service image holds exactly the Python distributions uv.lock gives its service (through the service's
requirements.lock, which `make lint` keeps equal to the lock), and carries its CycloneDX SBOM: a valid document,
the same as var/sbom/<image>.cdx.json, naming the label that points at it, listing every direct dependency at its
locked version and the image's Debian packages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packaging.utils import canonicalize_name
from test_images import PODMAN, REPO, podman, require_image

from scripts.supplychain.lockset import installed_set, project

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        PODMAN is None, reason="podman is not installed (apt-get install podman): images run under it"
    ),
]
SERVICES = {
    "api": REPO / "services" / "api",
    "web": REPO / "services" / "web",
    "backup": REPO / "services" / "backup-job",
}
LIST_DISTRIBUTIONS = "import importlib.metadata as m, json; print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"


def image_python(ref: str, code: str) -> str:
    return podman(
        "run", "--rm", "--network", "none", "--entrypoint", "/opt/venv/bin/python", ref, "-c", code
    ).stdout


def image_python_version(ref: str) -> str:
    return image_python(ref, "import platform; print(platform.python_version())").strip()


@pytest.mark.parametrize("name", SERVICES)
def test_image_installs_exactly_the_locked_set(name):
    ref = require_image(name)
    installed = {
        canonicalize_name(dist): version
        for dist, version in json.loads(image_python(ref, LIST_DISTRIBUTIONS)).items()
    }
    service, version, _ = project(SERVICES[name])
    locked = installed_set(SERVICES[name] / "requirements.lock", image_python_version(ref))
    expected = locked | {canonicalize_name(service): version}
    assert installed == expected  # nothing missing, nothing extra (no pip, no setuptools), no other version


@pytest.mark.parametrize("name", SERVICES)
def test_image_carries_its_sbom(name):
    ref = require_image(name)
    (config,) = json.loads(podman("image", "inspect", ref).stdout)
    path = config["Config"]["Labels"]["org.triboka.sbom"]
    document = podman("run", "--rm", "--network", "none", "--entrypoint", "cat", ref, path).stdout
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(document) is None
    repository = ref.split("/")[1].split(":")[0]
    assert json.loads(document) == json.loads(
        Path(REPO / "var" / "sbom" / f"{repository}.cdx.json").read_text()
    )

    sbom = json.loads(document)
    assert sbom["metadata"]["component"] == sbom["metadata"]["component"] | {
        "type": "container",
        "name": repository,
    }
    purls = {c["purl"] for c in sbom["components"]}
    service, version, direct = project(SERVICES[name])
    locked = installed_set(SERVICES[name] / "requirements.lock", image_python_version(ref))
    assert {f"pkg:pypi/{dep}@{locked[dep]}" for dep in direct} <= purls
    (edges,) = (d["dependsOn"] for d in sbom["dependencies"] if d["ref"] == f"pkg:pypi/{service}@{version}")
    assert sorted(edges) == sorted(f"pkg:pypi/{dep}@{locked[dep]}" for dep in direct)
    assert any(p.startswith("pkg:deb/debian/python3.11@") for p in purls)  # the Debian part: the interpreter
    assert {p for p in purls if p.startswith("pkg:pypi/")} == {
        f"pkg:pypi/{d}@{v}" for d, v in locked.items()
    } | {f"pkg:pypi/{service}@{version}"}
