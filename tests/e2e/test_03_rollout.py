"""Scenario 3: zero-downtime rollout. Under a bounded load through the ingress (reads and writes), `helm upgrade`
moves api, web and backup to a second tag of the same images (tagged inside the cluster's image store, no
registry); the rollout completes and not one request fails. Then `helm rollback` the same way."""

from __future__ import annotations

import ssl
from collections.abc import Callable

import pytest

from tests.e2e.conftest import Traffic
from tests.e2e.release import Release
from tests.e2e.report import record
from tests.e2e.underload import MIN_REQUESTS, under_load

COMPONENTS = ("api", "web", "backup")
ALIAS_SUFFIX = "e2e-rollout"


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
    result, seconds, started_at = under_load(flow, tls_context, change)
    summary = result.summary()
    record(section, helm_wait_s=round(seconds, 1), started_at_load_s=round(started_at, 1), **summary)
    assert release.revision() == revision + 1
    assert _images(release, "api") == {tag}
    assert _images(release, "web") == {tag}
    assert result.failed == 0, summary["first_failures"]  # the whole summary is in the report
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
