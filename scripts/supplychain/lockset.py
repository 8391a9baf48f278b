"""The Python distributions a service's requirements.lock (exported from uv.lock by `make lock`) puts into its
image: every pinned line whose environment marker holds on the images' platform (Linux, CPython 3.11, and the image's
own patch release: some markers test it, e.g. `async-timeout ; python_full_version < '3.11.3'`, which Debian
bookworm's 3.11.2 installs and a newer 3.11 does not)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

# The images run Debian bookworm's CPython 3.11 on Linux; markers are evaluated for that, not for the caller.
IMAGE_PLATFORM = {
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "python_version": "3.11",
}


def locked_requirements(lock_file: Path) -> list[Requirement]:
    """Each requirement of a hashed export, without its hashes and comments."""
    requirements = []
    for line in lock_file.read_text().replace("\\\n", " ").splitlines():
        spec = line.split(" --hash=", 1)[0].strip()
        if spec and not spec.startswith("#"):
            requirements.append(Requirement(spec))
    return requirements


def installed_set(lock_file: Path, python_full_version: str) -> dict[NormalizedName, str]:
    """name -> version of what `pip install --require-hashes --no-deps -r lock_file` installs in an image whose
    interpreter is CPython `python_full_version`."""
    environment = IMAGE_PLATFORM | {"python_full_version": python_full_version}
    installed = {}
    for requirement in locked_requirements(lock_file):
        if requirement.marker is None or requirement.marker.evaluate(environment):
            (pin,) = requirement.specifier  # an export pins every line with exactly one ==
            installed[canonicalize_name(requirement.name)] = pin.version
    return installed


def project(service_dir: Path) -> tuple[str, str, list[NormalizedName]]:
    """The service's distribution name, version and direct dependencies, from its pyproject.toml."""
    meta = tomllib.loads((service_dir / "pyproject.toml").read_text())["project"]
    direct = [canonicalize_name(Requirement(dep).name) for dep in meta["dependencies"]]
    return meta["name"], meta["version"], direct
