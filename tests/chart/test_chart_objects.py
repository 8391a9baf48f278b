"""Render tests of charts/triboka: the objects the chart renders by default, their labels and selectors, images, and the values schema."""

from __future__ import annotations

import pytest
from chart_render import FULLNAME, RELEASE, RenderError, container, get, render_chart


def test_default_render_object_list():
    objects = render_chart()
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in objects)
    assert kinds == sorted(
        [
            ("ServiceAccount", f"{FULLNAME}-api"),
            ("ServiceAccount", f"{FULLNAME}-web"),
            ("ServiceAccount", f"{FULLNAME}-backup"),
            ("ConfigMap", f"{FULLNAME}-api"),
            ("ConfigMap", f"{FULLNAME}-web"),
            ("Secret", FULLNAME),
            ("Service", f"{FULLNAME}-api"),
            ("Service", f"{FULLNAME}-web"),
            ("Service", f"{FULLNAME}-postgresql"),
            ("Deployment", f"{FULLNAME}-api"),
            ("Deployment", f"{FULLNAME}-web"),
            ("StatefulSet", f"{FULLNAME}-postgresql"),
            ("CronJob", f"{FULLNAME}-backup"),
            ("PersistentVolumeClaim", f"{FULLNAME}-backup"),
            ("PersistentVolumeClaim", f"{FULLNAME}-api-files"),  # deal room files (storage.persistence)
            ("Role", f"{FULLNAME}-backup"),
            ("RoleBinding", f"{FULLNAME}-backup"),
            ("Job", f"{FULLNAME}-migrations-install"),
            ("Job", f"{FULLNAME}-backup-pre-upgrade"),
            ("Pod", f"{FULLNAME}-test"),
        ]
    )


def test_selectors_are_name_instance_component_only():
    for obj in render_chart():
        if obj["kind"] in ("Deployment", "StatefulSet"):
            assert set(obj["spec"]["selector"]["matchLabels"]) == {
                "app.kubernetes.io/name",
                "app.kubernetes.io/instance",
                "app.kubernetes.io/component",
            }
        if obj["kind"] == "Service":
            assert set(obj["spec"]["selector"]) == {
                "app.kubernetes.io/name",
                "app.kubernetes.io/instance",
                "app.kubernetes.io/component",
            }
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/instance"] == RELEASE
        assert labels["app.kubernetes.io/managed-by"] == "Helm"


def test_images_tags_and_global_registry():
    objects = render_chart({"global": {"imageRegistry": "localhost"}, "web": {"image": {"tag": "2.0.1"}}})
    assert container(get(objects, "Deployment", "api"))["image"] == "localhost/triboka-api:2.0.0"
    assert container(get(objects, "Deployment", "web"))["image"] == "localhost/triboka-web:2.0.1"
    assert container(get(objects, "CronJob", "backup"))["image"] == "localhost/triboka-backup:2.0.0"
    assert container(get(objects, "StatefulSet", "postgresql"))["image"] == "localhost/postgres:15"
    objects = render_chart({"api": {"image": {"registry": "registry.example", "pullPolicy": "Always"}}})
    api = container(get(objects, "Deployment", "api"))
    assert (api["image"], api["imagePullPolicy"]) == ("registry.example/triboka-api:2.0.0", "Always")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"api": {"replicaCount": "two"}}, "/api/replicaCount"),
        ({"backup": {"suspend": "yes"}}, "/backup/suspend"),
        ({"environment": "staging"}, "/environment"),
        ({"api": {"image": {"pullPolicy": "Sometimes"}}}, "/api/image/pullPolicy"),
        ({"secrets": {"jwtSecret": "too-short"}}, "/secrets/jwtSecret"),
        ({"replicas": 3}, "additional properties 'replicas' not allowed"),
        ({"api": {"rateLimit": {"authAccount": "10 a minute"}}}, "/api/rateLimit/authAccount"),
        ({"api": {"rateLimit": {"default": "0/minute"}}}, "/api/rateLimit/default"),
        ({"api": {"trustedProxies": ["ingress-nginx"]}}, "/api/trustedProxies/0"),
        ({"redis": {"auth": {"password": "p@ss/word"}}}, "/redis/auth/password"),
        ({"redis": {"persistence": {"size": "1Gi"}}}, "additional properties 'persistence' not allowed"),
        ({"redis": {"external": {"url": "redis://x"}}}, "additional properties 'url' not allowed"),
        ({"api": {"replica": 3}}, "additional properties 'replica' not allowed"),
        ({"ingress": {"tls": {"enable": True}}}, "additional properties 'enable' not allowed"),
        ({"metrics": {"serviceMonitor": {"interval": "30 seconds"}}}, "/metrics/serviceMonitor/interval"),
        ({"metrics": {"serviceMonitor": {"scrapeTimeout": 10}}}, "/metrics/serviceMonitor/scrapeTimeout"),
        (
            {"metrics": {"serviceMonitor": {"labels": {"a": "b"}}}},
            "additional properties 'labels' not allowed",
        ),
    ],
)
def test_schema_rejects_bad_values(values, message):
    with pytest.raises(RenderError, match="schema") as err:
        render_chart(values)
    assert message in str(err.value)


def test_kubernetes_version_floor():
    """Chart.yaml's kubeVersion: CronJob `timeZone` and autoscaling/v2 need Kubernetes 1.25 or newer."""
    with pytest.raises(RenderError, match="chart requires kubeVersion"):
        render_chart(kube_version="1.24.0", show_only=["backup/cronjob.yaml"])
    (cron,) = render_chart(kube_version="1.25.0", show_only=["backup/cronjob.yaml"])
    assert cron["spec"]["timeZone"] == "Etc/UTC"
