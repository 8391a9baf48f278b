"""Validate custom resources against the OpenAPI schemas of their CustomResourceDefinitions, strictly: a field the
schema does not declare is an error (the API server would prune it silently; `kubectl --validate=strict` refuses
it), as kubernetes-validate's strict mode does for the built-in kinds."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from chart_render import REPO

GATEWAY_API_CRDS_SCRIPT = REPO / "k8s" / "local-cluster" / "gateway-api-crds"


def gateway_api_crd_dir() -> Path:
    """The standard-channel CRDs of the pinned sigs.k8s.io/gateway-api module (fetched into the Go module cache)."""
    out = subprocess.run([str(GATEWAY_API_CRDS_SCRIPT)], capture_output=True, text=True, check=True).stdout
    return Path(out.strip().splitlines()[-1])


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    """Close every object that lists its properties; map the Kubernetes extensions JSON Schema lacks."""
    if schema.get("x-kubernetes-int-or-string"):
        schema.pop("type", None)
        schema["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if "properties" in schema and "additionalProperties" not in schema:
        schema["additionalProperties"] = False
    for key in ("properties", "patternProperties"):
        for sub in schema.get(key, {}).values():
            _strict(sub)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _strict(schema[key])
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            _strict(sub)
    return schema


def load_crd_schemas(crd_dir: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """{(apiVersion, kind): strict schema} of every served version of every CRD in the directory."""
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(crd_dir.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                if version.get("served"):
                    schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
                    schemas[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = _strict(schema)
    return schemas


def validation_errors(obj: dict[str, Any], schemas: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    """Every schema violation of one object, as "path: message"; a kind without a schema is an error too."""
    schema = schemas.get((obj["apiVersion"], obj["kind"]))
    if schema is None:
        return [f"no CRD schema for {obj['apiVersion']} {obj['kind']}"]
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(str(p) for p in err.absolute_path)}: {err.message}" for err in validator.iter_errors(obj)
    ]
