"""A helm change (upgrade, rollback, scripts/deploy) run while the bounded load of tests/e2e/load.py goes through
the ingress: the scenarios that must lose no request (test_03_rollout.py, test_09_deploy.py)."""

from __future__ import annotations

import ssl
from collections.abc import Callable

from tests.e2e.cluster import wait_for
from tests.e2e.conftest import HOST, Traffic, load_rate
from tests.e2e.load import Load, LoadResult

MAX_SECONDS = 240  # the load stops by itself by then, whatever happens to the rollout
WARM_UP_REQUESTS = 300
SETTLE_SECONDS = 5  # load kept on after the rollout, against the new pods only
MIN_LOAD_SECONDS = 60  # about a minute of load even when helm is quicker
MIN_REQUESTS = 1500  # a real load, not a trickle, even on a busy 2-core machine


def under_load(
    traffic: Traffic, tls_context: ssl.SSLContext, change: Callable[[], float]
) -> tuple[LoadResult, float, float]:
    """Run `change` (a helm command, returning its seconds) while the load runs; returns the load's result, the
    change's seconds and the second of the load at which it started."""
    rate = load_rate()
    with Load(
        HOST,
        tls_context,
        traffic.ops,
        rate=rate,
        max_seconds=MAX_SECONDS,
        max_requests=int(rate * MAX_SECONDS),
    ) as load:
        wait_for(lambda: load.sent() >= WARM_UP_REQUESTS, 30, "the load to warm up", interval=0.2)
        started_at = load.elapsed()
        seconds = change()
        until = max(load.elapsed() + SETTLE_SECONDS, MIN_LOAD_SECONDS)
        wait_for(
            lambda: load.elapsed() >= until, MIN_LOAD_SECONDS + 5, "the load's last seconds", interval=0.2
        )
    return load.stop(), seconds, started_at
