"""A real Prometheus in the release's namespace for the alert scenario (test_12_alerts.py): the image
`make test-e2e` builds from Prometheus' Go module (k8s/images/prometheus, the version promtool is built from), the
chart's PrometheusRule groups as its rule file, and a scrape configuration with the chart's ServiceMonitor semantics.

Scraping: Kubernetes service discovery (role `endpointslice`, this namespace only) keeps the endpoints of the
release's api and web Services on their `metrics` port and labels each target `job=<Service name>`,
`namespace`, `pod`: what the Prometheus Operator makes of the chart's two ServiceMonitors. The rules are rendered by
`helm template` with the release's own values plus `metrics.prometheusRule.enabled` and a short
`metrics.prometheusRule.unavailableFor` (the alert's `for:`); scrape and evaluation intervals are a few seconds,
so the scenario costs seconds, not the production minutes. kube-state-metrics does not run here: the rules reading
its series are loaded and evaluated (and must evaluate without error) but have nothing to fire on."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import yaml
from kubernetes import client as k8s
from kubernetes import utils as k8s_utils

from tests.e2e.cluster import CHART, REPO, wait_for
from tests.e2e.portforward import forwarded
from tests.e2e.release import Release, is_ready

NAME = "e2e-prometheus"
PORT = 9090
INTERVAL = "2s"  # scrape and rule evaluation
PROMETHEUS_MODULE = REPO / "k8s" / "local-cluster" / "build" / "promtool" / "go.mod"


def image() -> str:
    """localhost/triboka-prometheus:<version of github.com/prometheus/prometheus in the promtool build module>."""
    for line in PROMETHEUS_MODULE.read_text().splitlines():
        parts = line.split()
        if parts[:2] == ["require", "github.com/prometheus/prometheus"]:
            return f"localhost/triboka-prometheus:{parts[2]}"
    raise AssertionError(f"no github.com/prometheus/prometheus requirement in {PROMETHEUS_MODULE}")


def rule_groups(release: Release, unavailable_for: str) -> list[dict[str, Any]]:
    """The groups of the chart's PrometheusRule as the release's values render them."""
    rendered = release.cluster.helm(
        "template", release.name, str(CHART), "--namespace", release.namespace,
        *[arg for f in release.values_files for arg in ("--values", str(f))],
        "--set", "metrics.prometheusRule.enabled=true",
        "--set", f"metrics.prometheusRule.unavailableFor={unavailable_for}",
        "--show-only", "templates/monitoring/prometheusrule.yaml",
    ).stdout  # fmt: skip
    (rule,) = [doc for doc in yaml.safe_load_all(rendered) if doc]
    return rule["spec"]["groups"]


def config(release: Release) -> dict[str, Any]:
    services = "|".join(release.component(c) for c in ("api", "web"))
    return {
        "global": {"scrape_interval": INTERVAL, "scrape_timeout": INTERVAL, "evaluation_interval": INTERVAL},
        "rule_files": ["/etc/prometheus/rules.yaml"],
        "scrape_configs": [
            {
                "job_name": "triboka-servicemonitors",
                "kubernetes_sd_configs": [
                    {"role": "endpointslice", "namespaces": {"names": [release.namespace]}}
                ],
                "relabel_configs": [
                    {
                        "source_labels": ["__meta_kubernetes_service_name"],
                        "regex": services,
                        "action": "keep",
                    },
                    {
                        "source_labels": ["__meta_kubernetes_endpointslice_port_name"],
                        "regex": "metrics",
                        "action": "keep",
                    },
                    {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
                    {"source_labels": ["__meta_kubernetes_service_name"], "target_label": "job"},
                    {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
                ],
            }
        ],
    }


def manifests(release: Release, unavailable_for: str) -> list[dict[str, Any]]:
    """ServiceAccount + Role (read the namespace's endpoints, Services and pods), the configuration and rules,
    and a one-replica Deployment running as the images' uid on a read-only root file system."""
    labels = {"app.kubernetes.io/name": NAME}
    meta = {"name": NAME, "labels": labels}
    files = {
        "prometheus.yml": yaml.safe_dump(config(release)),
        "rules.yaml": yaml.safe_dump({"groups": rule_groups(release, unavailable_for)}),
    }
    container = {
        "name": "prometheus",
        "image": image(),
        "imagePullPolicy": "IfNotPresent",
        "args": [
            "--config.file=/etc/prometheus/prometheus.yml",
            "--storage.tsdb.path=/prometheus",
            f"--web.listen-address=:{PORT}",
            "--storage.tsdb.retention.time=1h",
        ],
        "ports": [{"name": "http", "containerPort": PORT}],
        "readinessProbe": {"httpGet": {"path": "/-/ready", "port": PORT}, "periodSeconds": 1},
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "512Mi"}},
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/prometheus"},
            {"name": "data", "mountPath": "/prometheus"},
        ],
    }
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": meta,
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": ["services", "pods", "endpoints"],
                    "verbs": ["get", "list", "watch"],
                },
                {
                    "apiGroups": ["discovery.k8s.io"],
                    "resources": ["endpointslices"],
                    "verbs": ["get", "list", "watch"],
                },
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": meta,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": NAME},
            "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": release.namespace}],
        },
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": files},
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "serviceAccountName": NAME,
                        "containers": [container],
                        "volumes": [
                            {"name": "config", "configMap": {"name": NAME}},
                            {"name": "data", "emptyDir": {}},
                        ],
                    },
                },
            },
        },
    ]


class Prometheus:
    """Prometheus' HTTP API through a port-forward to its pod."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def _get(self, path: str, **params: str) -> Any:
        answer = self.client.get(path, params=params)
        answer.raise_for_status()
        body = answer.json()
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        return self._get("/api/v1/query", query=expr)["result"]

    def alerts(self) -> list[dict[str, Any]]:
        """The active alerts (pending and firing; resolved ones leave the list)."""
        return self._get("/api/v1/alerts")["alerts"]

    def rule_groups(self) -> list[dict[str, Any]]:
        return self._get("/api/v1/rules")["groups"]

    def targets(self) -> list[dict[str, Any]]:
        return self._get("/api/v1/targets")["activeTargets"]

    def alert_state(self, name: str, **labels: str) -> str | None:
        for alert in self.alerts():
            if alert["labels"].get("alertname") == name and labels.items() <= alert["labels"].items():
                return alert["state"]
        return None


@contextmanager
def running(release: Release, unavailable_for: str) -> Iterator[tuple[Prometheus, float]]:
    """Prometheus deployed into the release's namespace and ready; yields its API and the seconds that took.
    Removed on leaving."""
    started = time.monotonic()
    objects = manifests(release, unavailable_for)
    for obj in objects:
        k8s_utils.create_from_dict(release.cluster.api_client, obj, namespace=release.namespace)
    try:

        def ready_pod() -> str | None:
            pods = release.cluster.pods(release.namespace, f"app.kubernetes.io/name={NAME}")
            return next((p.metadata.name for p in pods if is_ready(p)), None)

        pod, _ = wait_for(ready_pod, 120, "the e2e Prometheus to be ready", interval=1)
        with (
            forwarded(release.cluster, release.namespace, pod, PORT) as url,
            httpx.Client(base_url=url, timeout=10) as client,
        ):
            yield Prometheus(client), time.monotonic() - started
    finally:
        _delete(release, objects)


def _delete(release: Release, objects: list[dict[str, Any]]) -> None:
    ns, cluster = release.namespace, release.cluster
    rbac = k8s.RbacAuthorizationV1Api(cluster.api_client)
    deleters = {
        "Deployment": cluster.apps.delete_namespaced_deployment,
        "ConfigMap": cluster.core.delete_namespaced_config_map,
        "RoleBinding": rbac.delete_namespaced_role_binding,
        "Role": rbac.delete_namespaced_role,
        "ServiceAccount": cluster.core.delete_namespaced_service_account,
    }
    for obj in reversed(objects):
        try:
            deleters[obj["kind"]](obj["metadata"]["name"], ns)
        except k8s.ApiException as error:
            if error.status != 404:
                raise


def dump(prometheus: Prometheus) -> str:
    """Targets and alerts, for a failure message."""
    brief = [
        (t["labels"].get("job"), t["labels"].get("pod"), t["health"], t.get("lastError"))
        for t in prometheus.targets()
    ]
    return json.dumps({"targets": brief, "alerts": prometheus.alerts()}, indent=1)
