"""Render the Triboka chart with `helm template` and return the parsed objects (Airflow chart-test style)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "triboka"
HELM = os.environ.get("HELM", "/var/cache/triboka/bin/helm")
RELEASE = "rel"
NAMESPACE = "triboka"
FULLNAME = f"{RELEASE}-triboka"
EXTERNAL_DB = CHART / "ci" / "external-db-values.yaml"
SERVICE_MONITOR = CHART / "ci" / "service-monitor-values.yaml"
REDIS = CHART / "ci" / "redis-values.yaml"
REDIS_EXTERNAL = CHART / "ci" / "redis-external-values.yaml"


class RenderError(Exception):
    """`helm template` refused the values (schema, `required`, `fail`)."""


def helm_template(
    values: dict[str, Any] | None = None,
    values_files: tuple[Path, ...] = (),
    *,
    is_upgrade: bool = False,
    show_only: tuple[str, ...] | list[str] = (),
    kube_version: str | None = None,
) -> str:
    """`helm template` of the chart: `show_only` names templates (`api/deployment.yaml`, relative to templates/)
    to render alone (helm's --show-only, which refuses a template that renders nothing); `kube_version` is the
    cluster version the chart sees (.Capabilities.KubeVersion, checked against Chart.yaml's kubeVersion)."""
    if not Path(HELM).is_file():
        raise FileNotFoundError(
            f"helm not found at {HELM}: run `make test-chart` (it installs helm) or set HELM"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as extra:
        yaml.safe_dump(values or {}, extra)
        extra.flush()
        cmd = [HELM, "template", RELEASE, str(CHART), "--namespace", NAMESPACE]
        if is_upgrade:
            cmd.append("--is-upgrade")
        if kube_version:
            cmd += ["--kube-version", kube_version]
        for template in show_only:
            cmd += ["--show-only", f"templates/{template}"]
        for path in (*values_files, Path(extra.name)):
            cmd += ["--values", str(path)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RenderError(proc.stderr)
    return proc.stdout


def render_chart(
    values: dict[str, Any] | None = None,
    values_files: tuple[Path, ...] = (),
    *,
    is_upgrade: bool = False,
    show_only: tuple[str, ...] | list[str] = (),
    kube_version: str | None = None,
) -> list[dict[str, Any]]:
    """The objects the chart renders for these values (hooks and tests included), on install or on upgrade; all
    of them, or only those of the `show_only` templates (Airflow's chart tests' helper)."""
    text = helm_template(
        values, values_files, is_upgrade=is_upgrade, show_only=show_only, kube_version=kube_version
    )
    return [doc for doc in yaml.safe_load_all(text) if doc]


def find(objects: list[dict[str, Any]], kind: str, component: str | None = None) -> list[dict[str, Any]]:
    """The objects of a kind, optionally only those of one app.kubernetes.io/component."""
    return [
        obj
        for obj in objects
        if obj["kind"] == kind
        and (component is None or obj["metadata"]["labels"].get("app.kubernetes.io/component") == component)
    ]


def get(objects: list[dict[str, Any]], kind: str, component: str) -> dict[str, Any]:
    """The single object of a kind and component."""
    matches = find(objects, kind, component)
    assert len(matches) == 1, f"expected one {kind} of component {component}, found {len(matches)}"
    return matches[0]


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    """The pod spec of a Pod, Deployment, StatefulSet, Job or CronJob."""
    if obj["kind"] == "Pod":
        return obj["spec"]
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    """A container's env as {name: value or valueFrom}."""
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def container(obj: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """A pod's first container, or the one named."""
    containers = pod_spec(obj)["containers"]
    return containers[0] if name is None else next(c for c in containers if c["name"] == name)


def peer_components(rule: dict[str, Any], direction: str) -> set[str]:
    """The components a NetworkPolicy rule's `from`/`to` pod selectors name."""
    return {
        p["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for p in rule.get(direction, [])
        if "podSelector" in p and "app.kubernetes.io/component" in p["podSelector"].get("matchLabels", {})
    }


def rule_ports(rule: dict[str, Any]) -> set[int]:
    """The ports a NetworkPolicy rule allows."""
    return {p["port"] for p in rule.get("ports", [])}
