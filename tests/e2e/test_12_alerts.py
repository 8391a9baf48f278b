"""Scenario 12: the chart's alerts in a real Prometheus (tests/e2e/prometheus.py: built from Prometheus' Go module,
the chart's PrometheusRule groups as rules, the api and web scraped with the ServiceMonitors' semantics, 2 s
intervals and `for: 10s`). Every rule loads and evaluates without error; with the API scaled to 0 the
API-unavailable alert fires (the web's does not), and once the API is back it resolves. What it costs is in the
report (`alerts`)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from tests.e2e.cluster import WaitTimeoutError, wait_for
from tests.e2e.prometheus import Prometheus, dump, running
from tests.e2e.release import Release
from tests.e2e.report import record

FOR = "10s"
API_ALERT = "TribokaAPIUnavailable"
WEB_ALERT = "TribokaWebUnavailable"


def _scale_api(release: Release, replicas: int) -> None:
    release.cluster.apps.patch_namespaced_deployment_scale(
        release.component("api"), release.namespace, {"spec": {"replicas": replicas}}
    )


def test_api_unavailable_alert_fires_at_zero_replicas_and_resolves(
    release: Release, https: httpx.Client
) -> None:
    started = time.monotonic()
    api = release.cluster.apps.read_namespaced_deployment(release.component("api"), release.namespace)
    replicas = api.spec.replicas
    with running(release, FOR) as (prometheus, deployed_s):
        groups = prometheus.rule_groups()
        assert {g["name"] for g in groups} >= {"triboka.availability", "triboka.requests", "triboka.backup"}
        scraped_s = _wait_scraped(prometheus, release, replicas)
        # every rule evaluated against the live series ("unknown" until its group's first evaluation), no error
        _until(
            prometheus,
            lambda: all(health != "unknown" for _, health in _health(prometheus)),
            30,
            "every rule to be evaluated",
        )
        rules = _health(prometheus)
        assert rules, "no rules loaded"
        assert {health for _, health in rules} == {"ok"}, rules
        quiet_s = _until(
            prometheus, lambda: prometheus.alert_state(API_ALERT) is None, 60, f"{API_ALERT} inactive, API up"
        )

        _scale_api(release, 0)
        scaled_down = time.monotonic()
        try:
            fired_s = _until(
                prometheus,
                lambda: prometheus.alert_state(API_ALERT, severity="critical") == "firing",
                90,
                f"{API_ALERT} to fire with the API at 0 replicas",
            )
            # the web is still there: its alert stays quiet, so the rule tells the two apart
            assert prometheus.alert_state(WEB_ALERT) is None, dump(prometheus)
        finally:
            _scale_api(release, replicas)
        scaled_up = time.monotonic()
        resolved_s = _until(
            prometheus,
            lambda: prometheus.alert_state(API_ALERT) is None,
            180,
            f"{API_ALERT} resolved, API back",
        )
        # and the platform serves again (the later scenarios, if any, find it as it was)
        wait_for(lambda: https.get("/api/health").status_code == 200, 60, "the API to serve again")
    record(
        "alerts",
        rules=len(rules),
        prometheus_ready_s=round(deployed_s, 1),
        targets_scraped_s=round(scraped_s, 1),
        inactive_after_s=round(quiet_s, 1),
        fired_after_scale_to_0_s=round(fired_s, 1),
        down_s=round(scaled_up - scaled_down, 1),
        resolved_after_scale_back_s=round(resolved_s, 1),
        alert_for=FOR,
        scenario_s=round(time.monotonic() - started, 1),
    )


def _health(prometheus: Prometheus) -> list[tuple[str, str]]:
    """(group/alert, health: ok, unknown or "err: <last error>") of every loaded rule."""
    return [
        (
            f"{group['name']}/{rule['name']}",
            rule["health"] + (f": {rule['lastError']}" if rule.get("lastError") else ""),
        )
        for group in prometheus.rule_groups()
        for rule in group["rules"]
    ]


def _until(prometheus: Prometheus, condition: Callable[[], bool], timeout: float, what: str) -> float:
    """wait_for with Prometheus' targets and alerts in the failure message; returns the seconds it took."""
    try:
        return wait_for(condition, timeout, what, interval=1)[1]
    except WaitTimeoutError as error:
        pytest.fail(f"{error}\n{dump(prometheus)}")


def _wait_scraped(prometheus: Prometheus, release: Release, api_replicas: int) -> float:
    """Until every API pod and the web are scraped (up == 1 under the ServiceMonitors' job names)."""
    api, web = release.component("api"), release.component("web")

    def scraped() -> bool:
        up = prometheus.query(f'up{{namespace="{release.namespace}"}} == 1')
        jobs = [sample["metric"]["job"] for sample in up]
        return jobs.count(api) >= api_replicas and web in jobs

    return _until(prometheus, scraped, 60, "Prometheus to scrape the api and web pods")
