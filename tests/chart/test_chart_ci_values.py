"""Every charts/triboka/ci/*-values.yaml scenario and every k8s/values/ overlay renders, and every object it
renders is valid Kubernetes: strict schema validation against the oldest version this suite targets (1.29) and
the newest kubernetes-validate ships."""

from __future__ import annotations

import kubernetes_validate
import pytest
from chart_render import CHART, REPO, pod_spec, render_chart
from kubernetes_validate.utils import latest_version

CI_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))
VALUES_FILES = CI_VALUES + sorted((REPO / "k8s" / "values").glob("*.yaml"))
K8S_VERSIONS = ["1.29.0", latest_version()]
POD_KINDS = ("Deployment", "StatefulSet", "Job", "CronJob", "Pod")
# Custom resources: kubernetes-validate ships the schemas of the built-in API only, so it cannot check these
# (it raises SchemaNotFoundError); test_chart_servicemonitor.py and test_alerts.py assert their fields instead, and test_gateway.py
# validates the Gateway API ones against their CRD schemas.
CUSTOM_RESOURCES = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"),
    ("gateway.networking.k8s.io/v1", "Gateway"),
    ("cert-manager.io/v1", "Certificate"),
}


def test_ci_values_files_cover_the_documented_scenarios():
    assert {p.name for p in CI_VALUES} == {
        "default-values.yaml",
        "ha-values.yaml",
        "external-db-values.yaml",
        "ingress-tls-values.yaml",
        "gateway-values.yaml",
        "network-policies-values.yaml",
        "backup-s3-values.yaml",
        "service-monitor-values.yaml",
        "redis-values.yaml",
        "redis-external-values.yaml",
    }


@pytest.mark.parametrize("k8s_version", K8S_VERSIONS)
@pytest.mark.parametrize("values_file", VALUES_FILES, ids=lambda p: p.name)
def test_rendered_objects_validate_strictly(values_file, k8s_version):
    objects = render_chart(values_files=(values_file,), kube_version=k8s_version)
    assert objects
    for obj in objects:
        if (obj["apiVersion"], obj["kind"]) in CUSTOM_RESOURCES:
            continue
        try:
            kubernetes_validate.validate(obj, k8s_version, strict=True)
        except kubernetes_validate.ValidationError as err:
            name = f"{obj['kind']}/{obj['metadata']['name']}"
            pytest.fail(f"{name} invalid for {k8s_version}: {err.message} at {list(err.path)}")


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=lambda p: p.name)
def test_every_port_declares_tcp(values_file):
    """helm 4 applies server-side: a port without `protocol` fails the install."""
    for obj in render_chart(values_files=(values_file,)):
        if obj["kind"] == "Service":
            assert all(p["protocol"] == "TCP" for p in obj["spec"]["ports"]), obj["metadata"]["name"]
        if obj["kind"] in POD_KINDS:
            spec = pod_spec(obj)
            for c in spec["containers"] + spec.get("initContainers", []):
                assert all(p["protocol"] == "TCP" for p in c.get("ports", [])), (
                    obj["metadata"]["name"],
                    c["name"],
                )
