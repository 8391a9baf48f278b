"""Scenario 1: `helm install --wait` with the in-chart PostgreSQL and Redis and TLS; the migration ran; every pod is Ready;
`helm test` passes."""

from __future__ import annotations

from tests.e2e.release import Release, is_ready, restarts
from tests.e2e.report import record


def test_the_first_migration_job_succeeded(release: Release) -> None:
    job_name = release.component("migrations") + "-install"
    job = release.cluster.batch.read_namespaced_job(job_name, release.namespace)
    logs = release.cluster.job_logs(release.namespace, job_name)
    assert job.status.succeeded == 1, logs
    assert not job.status.failed, logs
    # migrate (init container) applied the schema, create-admin (container) made the chart's admin
    assert "triboka-api: database at revision" in logs, logs
    assert "triboka-api: admin admin@triboka.local created" in logs, logs


def test_every_pod_is_ready_and_the_api_runs_the_hpa_minimum(release: Release) -> None:
    core, apps = release.cluster.core, release.cluster.apps
    pods = [p for p in core.list_namespaced_pod(release.namespace).items if p.status.phase != "Succeeded"]
    assert {p.metadata.labels["app.kubernetes.io/component"] for p in pods} == {
        "api",
        "web",
        "postgresql",
        "redis",
    }
    assert all(is_ready(p) for p in pods), [(p.metadata.name, p.status.phase) for p in pods]
    for name in ("api", "web"):
        d = apps.read_namespaced_deployment(release.component(name), release.namespace)
        assert d.status.available_replicas == d.spec.replicas, name
    hpa = release.cluster.autoscaling.read_namespaced_horizontal_pod_autoscaler(
        release.component("api"), release.namespace
    )
    assert len(release.ready_pods("api")) == hpa.spec.min_replicas == 2
    for name in ("postgresql", "redis"):
        sts = apps.read_namespaced_stateful_set(release.component(name), release.namespace)
        assert sts.status.ready_replicas == 1, name
    record("install", restarts_at_install={p.metadata.name: restarts(p) for p in pods})


def test_helm_test_passes(release: Release) -> None:
    proc = release.cluster.helm("test", release.name, "-n", release.namespace, "--logs", "--timeout", "3m")
    assert "Phase:          Succeeded" in proc.stdout or "Succeeded" in proc.stdout, proc.stdout
    assert "login round trip ok for admin@triboka.local" in proc.stdout, proc.stdout
