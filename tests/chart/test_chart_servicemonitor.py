"""Render tests of charts/triboka: the Prometheus Operator ServiceMonitors."""

from __future__ import annotations

import pytest
from chart_render import FULLNAME, SERVICE_MONITOR, container, find, get, render_chart, rule_ports


def test_service_monitors_are_opt_in():
    assert find(render_chart(), "ServiceMonitor") == []


@pytest.mark.parametrize("component", ["api", "web"])
def test_service_monitor_scrapes_the_services_metrics_port(component):
    values = {
        "commonLabels": {"team": "platform"},
        "metrics": {
            "serviceMonitor": {
                "enabled": True,
                "additionalLabels": {"release": "kube-prometheus-stack"},
                "interval": "30s",
                "scrapeTimeout": "10s",
            }
        },
        component: {"service": {"metricsPort": 9200}},
    }
    objects = render_chart(values)
    monitor = get(objects, "ServiceMonitor", component)
    service = get(objects, "Service", component)
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["name"] == f"{FULLNAME}-{component}"
    assert monitor["metadata"]["namespace"] == "triboka"
    labels = monitor["metadata"]["labels"]
    assert labels["release"] == "kube-prometheus-stack"
    assert labels["team"] == "platform"
    assert labels["app.kubernetes.io/managed-by"] == "Helm"
    # it selects this Service and no other, in the release namespace
    selector = monitor["spec"]["selector"]
    assert set(selector) == {"matchLabels"}
    selected = [
        s
        for s in find(objects, "Service")
        if selector["matchLabels"].items() <= s["metadata"]["labels"].items()
    ]
    assert selected == [service]
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["triboka"]}
    # its endpoint names the Service's metrics port, which leads to the container's metrics port
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint == {
        "port": "metrics",
        "path": "/metrics",
        "scheme": "http",
        "interval": "30s",
        "scrapeTimeout": "10s",
    }
    (service_port,) = [p for p in service["spec"]["ports"] if p["name"] == endpoint["port"]]
    assert service_port["port"] == 9200
    container_ports = {
        p["name"]: p["containerPort"] for p in container(get(objects, "Deployment", component))["ports"]
    }
    assert container_ports[service_port["targetPort"]] == 9200


def test_service_monitor_defaults_leave_interval_and_timeout_to_prometheus():
    relabelings = [{"sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node"}]
    objects = render_chart({"metrics": {"serviceMonitor": {"enabled": True, "relabelings": relabelings}}})
    monitors = find(objects, "ServiceMonitor")
    assert sorted(m["metadata"]["labels"]["app.kubernetes.io/component"] for m in monitors) == ["api", "web"]
    for monitor in monitors:
        assert "release" not in monitor["metadata"]["labels"]
        assert monitor["spec"]["endpoints"] == [
            {"port": "metrics", "path": "/metrics", "scheme": "http", "relabelings": relabelings}
        ]


def test_service_monitors_in_the_monitoring_namespace_with_network_policies():
    objects = render_chart(values_files=(SERVICE_MONITOR,))
    for component, port in (("api", 9100), ("web", 9101)):
        monitor = get(objects, "ServiceMonitor", component)
        assert monitor["metadata"]["namespace"] == "monitoring"
        assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["triboka"]}  # the Services' namespace
        (endpoint,) = monitor["spec"]["endpoints"]
        assert endpoint["metricRelabelings"] == [
            {"sourceLabels": ["__name__"], "regex": "python_gc_.*", "action": "drop"}
        ]
        # Prometheus' namespace may reach the metrics port
        policy = get(objects, "NetworkPolicy", component)["spec"]
        (rule,) = [r for r in policy["ingress"] if rule_ports(r) == {port}]
        assert rule["from"] == [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
        ]
