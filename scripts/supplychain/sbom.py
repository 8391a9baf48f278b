"""A CycloneDX 1.6 SBOM of one service image: the Python distributions its requirements.lock installs, the
service itself with its direct dependencies, and the image's Debian packages (its dpkg status).

One document per image (not one per ecosystem), so a scanner reads one file and the image carries one label.
The document is a pure function of its inputs (serial number and timestamp come from the image), so rebuilding an
unchanged image writes the same file and the layer adding it stays cached.

    python -m scripts.supplychain.sbom --service services/api --image localhost/triboka-api:2.0.0 \
        --engine podman --output var/sbom/triboka-api.cdx.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from scripts.supplychain.lockset import installed_set, project

VENV_PYTHON = "/opt/venv/bin/python"  # where every service image keeps its locked set


def pypi_component(name: str, version: str, kind: ComponentType = ComponentType.LIBRARY) -> Component:
    purl = PackageURL(type="pypi", name=name, version=version)
    return Component(type=kind, name=name, version=version, purl=purl, bom_ref=purl.to_string())


def dpkg_packages(status: str) -> Iterator[tuple[str, str, str]]:
    """(package, version, architecture) of each installed package in a dpkg status file."""
    for stanza in status.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in stanza.splitlines() if ": " in line and not line.startswith(" ")
        )
        if fields.get("Status", "").endswith(" installed"):
            yield fields["Package"], fields["Version"], fields["Architecture"]


def deb_component(name: str, version: str, arch: str) -> Component:
    purl = PackageURL(
        type="deb",
        namespace="debian",
        name=name,
        version=version,
        qualifiers={"arch": arch, "distro": "debian-12"},
    )
    return Component(
        type=ComponentType.LIBRARY, name=name, version=version, purl=purl, bom_ref=purl.to_string()
    )


def _run_in(engine: str, image: str, *command: str) -> str:
    run = [engine, "run", "--rm", "--network", "none", "--entrypoint", command[0], image, *command[1:]]
    return subprocess.run(run, capture_output=True, text=True, check=True).stdout


def image_facts(engine: str, image: str) -> tuple[str, datetime, str, str]:
    """The image's id, creation time, dpkg status file and Python version (its venv's interpreter)."""
    inspect = json.loads(
        subprocess.run([engine, "image", "inspect", image], capture_output=True, check=True).stdout
    )
    status = _run_in(engine, image, "cat", "/var/lib/dpkg/status")
    python = _run_in(engine, image, VENV_PYTHON, "-c", "import platform; print(platform.python_version())")
    created = datetime.fromisoformat(inspect[0]["Created"][:26].rstrip("Z"))
    return inspect[0]["Id"], created, status, python.strip()


def build_sbom(
    service_dir: Path, image: str, image_id: str, created: datetime, dpkg_status: str, python_version: str
) -> Bom:
    name, version, direct = project(service_dir)
    repository, _, tag = image.rpartition("/")[2].partition(":")
    container = Component(
        type=ComponentType.CONTAINER, name=repository, version=tag, bom_ref=f"image:{image}"
    )
    service = pypi_component(name, version, ComponentType.APPLICATION)
    locked = installed_set(service_dir / "requirements.lock", python_version)
    libraries = {dist: pypi_component(dist, ver) for dist, ver in locked.items()}
    debs = [deb_component(*package) for package in dpkg_packages(dpkg_status)]
    bom = Bom(
        serial_number=uuid.uuid5(uuid.NAMESPACE_URL, image_id),
        metadata=BomMetaData(component=container, timestamp=created),
        components=[service, *libraries.values(), *debs],
    )
    bom.register_dependency(container, [service, *debs])
    bom.register_dependency(service, [libraries[dep] for dep in direct])
    return bom


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--service", type=Path, required=True, help="the service directory (services/api)")
    parser.add_argument("--image", required=True, help="the built image reference")
    parser.add_argument("--engine", default="podman", help="docker or podman, to inspect and run the image")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()
    bom = build_sbom(args.service, args.image, *image_facts(args.engine, args.image))
    document = JsonV1Dot6(bom).output_as_string(indent=1)
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(document)
    if error is not None:
        raise SystemExit(f"the SBOM of {args.image} is not valid CycloneDX 1.6: {error}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(document + "\n")
    print(f"sbom: {args.output} ({len(json.loads(document)['components'])} components)")


if __name__ == "__main__":
    main()
