"""Scenario 3: zero-downtime rollout. Under a bounded load through the ingress (reads and writes), `helm upgrade`
moves api, web and backup to a second tag of the same images (tagged inside the cluster's image store, no
registry); the rollout completes and not one request fails. Then `helm rollback` the same way."""

from __future__ import annotations

import ssl
from collections.abc import Callable

import pytest

from tests.e2e.cluster import wait_for
from tests.e2e.conftest import HOST, Traffic, load_rate
from tests.e2e.load import Load, LoadResult
from tests.e2e.release import Release
from tests.e2e.report import record

COMPONENTS = ("api", "web", "backup")
ALIAS_SUFFIX = "e2e-rollout"
MAX_SECONDS = 240  # the load stops by itself by then, whatever happens to the rollout
WARM_UP_REQUESTS = 300
SETTLE_SECONDS = 5  # load kept on after the rollout, against the new pods only
MIN_LOAD_SECONDS = 60  # about a minute of load even when helm is quicker
MIN_REQUESTS = 1500  # a real load, not a trickle, even on a busy 2-core machine


def _under_load(
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


def _images(release: Release, component: str) -> set[str]:
    return {image.rsplit(":", 1)[1] for image in release.deployment_images(component)}


@pytest.fixture(scope="module")
def alias_tag(release: Release, image_tag: str) -> str:
    tag = f"{image_tag}-{ALIAS_SUFFIX}"
    for component in COMPONENTS:
        release.cluster.provisioning.alias_image(f"triboka-{component}", image_tag, tag)
    return tag


def _change_under_load(
    release: Release,
    traffic,
    tls_context: ssl.SSLContext,
    section: str,
    change: Callable[[], float],
    tag: str,
) -> Traffic:
    """Run the helm `change` under load; the release moves to a new revision running `tag`, no request fails."""
    revision = release.revision()
    flow = traffic()
    result, seconds, started_at = _under_load(flow, tls_context, change)
    summary = result.summary()
    record(section, helm_wait_s=round(seconds, 1), started_at_load_s=round(started_at, 1), **summary)
    assert release.revision() == revision + 1
    assert _images(release, "api") == {tag}
    assert _images(release, "web") == {tag}
    assert result.failed == 0, summary
    assert result.sent >= MIN_REQUESTS, summary
    assert len(flow.created) == summary["outcomes_by_request"]["POST /api/lots"]["201"]
    return flow


def test_upgrade_to_a_new_image_tag_under_load_loses_no_request(
    release: Release, traffic, tls_context: ssl.SSLContext, alias_tag: str, image_tag: str
) -> None:
    assert _images(release, "api") == {image_tag}
    tags = ",".join(f"{c}.image.tag={alias_tag}" for c in COMPONENTS)
    upgrade = lambda: release.upgrade("--set-string", tags)  # noqa: E731
    _change_under_load(release, traffic, tls_context, "rollout_upgrade", upgrade, alias_tag)
    # the pre-upgrade backup hook ran before the migration hook, with the new backup image
    job = release.cluster.batch.read_namespaced_job(
        release.component("backup") + "-pre-upgrade", release.namespace
    )
    assert job.status.succeeded == 1
    assert job.spec.template.spec.containers[0].image.endswith(f":{alias_tag}")


def test_rollback_under_load_loses_no_request(
    release: Release, traffic, tls_context: ssl.SSLContext, alias_tag: str, image_tag: str
) -> None:
    assert _images(release, "api") == {alias_tag}, "run with the upgrade test before it"
    previous = release.revision() - 1
    rollback = lambda: release.rollback(previous)  # noqa: E731
    _change_under_load(release, traffic, tls_context, "rollout_rollback", rollback, image_tag)
