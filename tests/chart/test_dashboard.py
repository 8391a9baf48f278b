"""The Grafana dashboard ConfigMap: opt-in, labelled for the sidecar, valid dashboard JSON, and every query (and
every alert of the PrometheusRule) names only metrics that exist: the ones the services' code registers with
prometheus_client, or kube-state-metrics' (an external exporter the README names as a requirement)."""

from __future__ import annotations

import json
import re
from types import ModuleType
from typing import Any

import pytest
import triboka_api.observability
import triboka_web.metrics
from chart_render import find, get, render_chart
from prometheus_client.metrics import MetricWrapperBase

DASHBOARD_VALUES = {"metrics": {"grafanaDashboard": {"enabled": True}}}
# kube-state-metrics v2 series the dashboard and the alerts read (Deployments, Pods, HPAs, CronJobs, Jobs)
KUBE_STATE_METRICS = {
    "kube_deployment_status_replicas_available",
    "kube_pod_container_status_restarts_total",
    "kube_horizontalpodautoscaler_status_current_replicas",
    "kube_horizontalpodautoscaler_spec_max_replicas",
    "kube_cronjob_created",
    "kube_cronjob_status_active",
    "kube_cronjob_status_last_schedule_time",
    "kube_cronjob_status_last_successful_time",
    "kube_job_status_failed",
}
# Prometheus' own series for every target
PROMETHEUS = {"up"}
_SAMPLE_SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}
_PROMQL_WORDS = {
    "and",
    "or",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "offset",
}


def exported_metrics(*modules: ModuleType) -> set[str]:
    """The sample names of every prometheus_client metric the modules define."""
    names = set()
    for module in modules:
        for metric in vars(module).values():
            if isinstance(metric, MetricWrapperBase):
                for family in metric.describe():
                    names |= {family.name + suffix for suffix in _SAMPLE_SUFFIXES[family.type]}
    return names


SERVICE_METRICS = exported_metrics(triboka_api.observability, triboka_web.metrics)


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (label matchers, ranges, grouping clauses and functions removed)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    tokens = re.findall(r"(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*+(?!\s*\()", expr)
    return {t for t in tokens if t not in _PROMQL_WORDS and not re.fullmatch(r"[0-9.e]+", t)}


def _dashboard(values: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    config_map = get(render_chart(values or DASHBOARD_VALUES), "ConfigMap", "monitoring")
    (document,) = config_map["data"].values()
    return config_map, json.loads(document)


def _panel_exprs(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def test_the_services_export_the_metrics_read_here():
    assert {"triboka_api_requests_total", "triboka_api_request_duration_seconds_bucket"} <= SERVICE_METRICS
    assert {"triboka_api_db_pool_checked_out", "triboka_web_http_requests_total"} <= SERVICE_METRICS


def test_dashboard_is_a_sidecar_configmap_of_valid_json():
    config_map, dashboard = _dashboard()
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert dashboard["uid"] == "triboka-platform"
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    assert variables == {"datasource", "namespace", "fullname"}
    titles = {p["title"] for p in dashboard["panels"]}
    for wanted in (
        "Requests by status",
        "Latency percentiles",
        "5xx by route",
        "Backup runs",
        "Available replicas",
    ):
        assert wanted in titles
    assert any("triboka_api_db_pool_checked_out" in e for e in _panel_exprs(dashboard))


def test_every_dashboard_query_names_an_exported_metric():
    _, dashboard = _dashboard()
    exprs = _panel_exprs(dashboard) + [
        v["query"]["query"] for v in dashboard["templating"]["list"] if isinstance(v.get("query"), dict)
    ]
    # a variable's label_values(<selector>, <label name>): only the selector names a metric
    used = set().union(*(metric_names(re.sub(r"^label_values\((.*),\s*\w+\)$", r"\1", e)) for e in exprs))
    assert used, "no metric found in the queries"
    assert used - SERVICE_METRICS - KUBE_STATE_METRICS - PROMETHEUS == set()
    assert used & SERVICE_METRICS


def test_every_alert_names_an_exported_metric():
    rules = get(
        render_chart(
            {"metrics": {"prometheusRule": {"enabled": True}}, "api": {"autoscaling": {"enabled": True}}}
        ),
        "PrometheusRule",
        "monitoring",
    )
    used = set().union(*(metric_names(r["expr"]) for g in rules["spec"]["groups"] for r in g["rules"]))
    assert used - SERVICE_METRICS - KUBE_STATE_METRICS - PROMETHEUS == set()


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('sum(rate(triboka_api_request_total{job="x", status=~"5.."}[5m]))', {"triboka_api_request_total"}),
        (
            "histogram_quantile(0.99, sum by (le, route) (rate(a_bucket[5m]))) > on() b unless c",
            {"a_bucket", "b", "c"},
        ),
        ('time() - max(kube_cronjob_created{cronjob="${fullname}-backup"}) > 1e3', {"kube_cronjob_created"}),
    ],
)
def test_metric_names_finds_what_a_query_selects(expr, names):
    assert metric_names(expr) == names


def test_a_misspelt_metric_is_not_exported():
    """The checks above can fail: the singular name is found in a query and is not among the exported ones."""
    assert "triboka_api_request_total" not in SERVICE_METRICS


def test_dashboard_is_opt_in_and_takes_labels_and_namespace():
    assert find(render_chart(), "ConfigMap", "monitoring") == []
    config_map, _ = _dashboard(
        {
            "metrics": {
                "grafanaDashboard": {
                    "enabled": True,
                    "namespace": "monitoring",
                    "labels": {"dashboards": "triboka"},
                    "annotations": {"grafana_folder": "Triboka"},
                }
            }
        }
    )
    assert config_map["metadata"]["namespace"] == "monitoring"
    assert config_map["metadata"]["labels"]["dashboards"] == "triboka"
    assert config_map["metadata"]["annotations"] == {"grafana_folder": "Triboka"}
