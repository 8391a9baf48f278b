"""Scenario 7: probes. With the database gone (its StatefulSet scaled to 0), the API pods turn unready and leave the
Service's endpoints (the ingress answers 503) while their liveness stays green (no restart); with the database
back, readiness returns and the API answers again. (NetworkPolicies are not enforced on the local cluster, so the
outage is made by removing the database, not by a policy.)"""

from __future__ import annotations

import time

import httpx

from tests.e2e.cluster import wait_for
from tests.e2e.release import Release, restarts
from tests.e2e.report import record

LIVENESS_WINDOW_S = 20  # > livenessProbe periodSeconds x failureThreshold (5 x 3) of tests/e2e/values.yaml


def _scale_database(release: Release, replicas: int) -> None:
    release.cluster.apps.patch_namespaced_stateful_set_scale(
        release.component("postgresql"), release.namespace, {"spec": {"replicas": replicas}}
    )


def test_readiness_follows_the_database_and_liveness_does_not(release: Release, https: httpx.Client) -> None:
    api_pods = {p.metadata.name: restarts(p) for p in release.ready_pods("api")}
    assert len(api_pods) >= 2
    assert len(release.ready_endpoints("api")) == len(api_pods)
    _scale_database(release, 0)
    try:
        wait_for(lambda: not release.pods("postgresql"), 120, "the database pod to be gone")
        _, unready_s = wait_for(
            lambda: not release.ready_endpoints("api"), 60, "the API to leave its endpoints"
        )
        assert release.ready_pods("api") == []
        assert https.get("/api/health").status_code == 503  # the ingress: no ready endpoint
        # liveness never touches the database: over more than its failure window, nothing restarts
        window_end = time.monotonic() + LIVENESS_WINDOW_S
        wait_for(
            lambda: time.monotonic() >= window_end, LIVENESS_WINDOW_S + 5, "the liveness window", interval=1
        )
        now = {p.metadata.name: restarts(p) for p in release.pods("api")}
        assert now == api_pods, f"API containers restarted while the database was down: {now} vs {api_pods}"
        assert release.ready_endpoints("api") == []
    finally:
        _scale_database(release, 1)
    _, ready_s = wait_for(
        lambda: len(release.ready_endpoints("api")) == len(api_pods), 180, "the API to be ready again"
    )
    health = https.get("/api/health")
    assert health.status_code == 200
    assert health.json()["database"] == "healthy"
    assert {p.metadata.name: restarts(p) for p in release.pods("api")} == api_pods
    record(
        "probes",
        api_unready_after_db_gone_s=round(unready_s, 1),
        api_ready_after_db_back_s=round(ready_s, 1),
        restarts=0,
    )
