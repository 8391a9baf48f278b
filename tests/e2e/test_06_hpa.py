"""Scenario 6: the API's HorizontalPodAutoscaler (tests/e2e/values.yaml: 2 to 3 replicas, CPU target, a short
scale-in stabilization) scales out under CPU load through the ingress, never beyond its bounds, and back in after."""

from __future__ import annotations

import ssl

from tests.e2e.cluster import wait_for
from tests.e2e.conftest import HOST, load_rate
from tests.e2e.load import Load, Op
from tests.e2e.release import Release
from tests.e2e.report import record

SCALE_OUT_TIMEOUT = 180  # also the load's bound
SCALE_IN_TIMEOUT = 240


def test_api_scales_out_under_cpu_load_and_back_in(
    release: Release, tls_context: ssl.SSLContext, admin_headers: dict[str, str]
) -> None:
    hpas = release.cluster.autoscaling
    name, ns = release.component("api"), release.namespace

    def hpa():
        return hpas.read_namespaced_horizontal_pod_autoscaler(name, ns)

    low, high = hpa().spec.min_replicas, hpa().spec.max_replicas
    assert (low, high) == (2, 3)
    seen: set[int] = set()

    def replicas() -> int:
        status = hpa().status
        seen.update({status.current_replicas or 0, status.desired_replicas or 0})
        return status.current_replicas or 0

    # start from the minimum, with a CPU metric (earlier scenarios may have left it scaled out)
    _, settle_s = wait_for(
        lambda: replicas() == low and hpa().status.current_metrics,
        SCALE_IN_TIMEOUT,
        "the HPA at its minimum with a CPU metric",
        interval=2,
    )
    seen.clear()
    # authenticated reads: token checks and JSON in the API pods, the CPU the HPA sees
    ops = [
        Op("GET /api/profile", "GET", lambda: "/api/profile", headers=admin_headers),
        Op("GET /api/companies", "GET", lambda: "/api/companies", headers=admin_headers),
    ]
    rate = load_rate()
    with Load(
        HOST,
        tls_context,
        ops,
        rate=rate,
        max_seconds=SCALE_OUT_TIMEOUT,
        max_requests=int(rate * SCALE_OUT_TIMEOUT),
    ) as load:
        _, out_s = wait_for(
            lambda: replicas() > low, SCALE_OUT_TIMEOUT - 10, "the HPA to scale out", interval=2
        )
        _, ready_s = wait_for(
            lambda: len(release.ready_pods("api")) > low, 120, "the added API pod to be ready", interval=1
        )
        cpu = hpa().status.current_metrics[0].resource.current.average_utilization
    result = load.stop()
    _, in_s = wait_for(lambda: replicas() == low, SCALE_IN_TIMEOUT, "the HPA to scale back in", interval=2)
    wait_for(
        lambda: len([p for p in release.pods("api") if not p.metadata.deletion_timestamp]) == low,
        60,
        "the extra pod to go",
    )

    record(
        "hpa",
        bounds=[low, high],
        waited_for_minimum_s=round(settle_s, 1),
        scale_out_after_load_start_s=round(out_s, 1),
        added_pod_ready_s=round(out_s + ready_s, 1),
        cpu_utilization_at_scale_out_percent=cpu,
        scale_in_after_load_stop_s=round(in_s, 1),
        replica_counts_seen=sorted(seen),
        load_requests_sent=result.sent,
        load_requests_failed=result.failed,
    )
    assert max(seen) <= high
    assert min(seen) >= low
    summary = result.summary()
    assert result.failed == 0, (summary["first_failures"], summary)
