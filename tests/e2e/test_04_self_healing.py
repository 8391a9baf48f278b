"""Scenario 4: self-healing under load. An API pod is deleted (no request may fail: the others serve while it is
replaced), then the database pod (requests fail while it is down: expected); the API recovers on its own and every
lot whose creation was acknowledged with a 201 still exists afterwards."""

from __future__ import annotations

import ssl

import httpx
from kubernetes import client as k8s

from tests.e2e.cluster import wait_for
from tests.e2e.conftest import HOST, PRODUCER_COMPANY, load_rate
from tests.e2e.load import Load
from tests.e2e.release import Release, is_ready
from tests.e2e.report import record

MAX_SECONDS = 300
WARM_UP_REQUESTS = 200
AFTER_RECOVERY_SECONDS = 10  # load kept on after the recovery: no failure allowed any more


def _pod_replaced(release: Release, name: str, uid: str) -> bool:
    try:
        pod = release.cluster.core.read_namespaced_pod(name, release.namespace)
    except k8s.ApiException as error:
        return error.status == 404
    return pod.metadata.uid != uid and is_ready(pod)


def test_api_and_database_pods_deleted_under_load(
    release: Release,
    traffic,
    tls_context: ssl.SSLContext,
    https: httpx.Client,
    admin_headers: dict[str, str],
    lot_body,
    companies: dict[str, int],
) -> None:
    core, ns = release.cluster.core, release.namespace
    flow = traffic()
    rate = load_rate()
    with Load(
        HOST, tls_context, flow.ops, rate=rate, max_seconds=MAX_SECONDS, max_requests=int(rate * MAX_SECONDS)
    ) as load:
        wait_for(lambda: load.sent() >= WARM_UP_REQUESTS, 30, "the load to warm up", interval=0.2)

        # An API pod goes away (a node drain, an eviction): the Deployment replaces it.
        api_pods, web_pods = release.ready_pods("api"), release.ready_pods("web")
        victim = api_pods[0].metadata.name
        api_deleted_at = load.elapsed()
        core.delete_namespaced_pod(victim, ns)
        _, api_healed_s = wait_for(
            lambda: (
                victim not in {p.metadata.name for p in release.pods("api")}
                and len(release.ready_pods("api")) >= len(api_pods)
            ),
            180,
            "the API pod to be replaced",
        )

        # The database pod goes away: the StatefulSet brings it back on the same volume.
        pg = core.read_namespaced_pod(release.postgres_pod(), ns)
        db_deleted_at = load.elapsed()
        core.delete_namespaced_pod(pg.metadata.name, ns)
        _, db_back_s = wait_for(
            lambda: _pod_replaced(release, pg.metadata.name, pg.metadata.uid),
            240,
            "the database pod to come back",
        )

        def writes_again() -> bool:
            created = https.post("/api/lots", json=lot_body(), headers=admin_headers)
            if created.status_code == 201:
                flow.created.append(created.json()["lot_id"])
            return (
                created.status_code == 201
                and len(release.ready_pods("api")) >= len(api_pods)
                and len(release.ready_pods("web")) >= len(web_pods)  # its readiness follows the API's health
            )

        _, api_recovered_s = wait_for(writes_again, 180, "the API to write again and every pod to be ready")
        recovered_at = load.keep_on(AFTER_RECOVERY_SECONDS)
    result = load.stop()

    lots = https.get("/api/lots", params={"producer_id": companies[PRODUCER_COMPANY]}, headers=admin_headers)
    assert lots.status_code == 200
    missing = set(flow.created) - {lot["id"] for lot in lots.json()}
    outage = [o for o in result.failures if o.at + o.latency >= db_deleted_at and o.at < recovered_at]
    record(
        "self_healing",
        api_pod_replaced_s=round(api_healed_s, 1),
        db_pod_back_ready_s=round(db_back_s, 1),
        platform_recovered_after_db_delete_s=round(db_back_s + api_recovered_s, 1),
        acknowledged_writes=len(flow.created),
        acknowledged_writes_missing=len(missing),
        failed_during_db_outage=len(outage),
        **result.summary(),
    )
    assert result.failed_before(db_deleted_at) == [], "an API pod deletion must not fail requests"
    assert result.failed_between(recovered_at) == [], "requests still fail after the recovery"
    crashed = [o for o in outage if o.detail == "500"]
    assert crashed == [], f"a database outage must answer 503, never 500: {crashed[:10]}"
    assert api_deleted_at < db_deleted_at
    assert not missing, f"{len(missing)} acknowledged lots are gone: {sorted(missing)[:20]}"
    assert len(flow.created) > 100
