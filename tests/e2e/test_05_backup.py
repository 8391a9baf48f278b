"""Scenario 5: backups in the cluster. The CronJob is triggered by hand (what `kubectl create job --from=cronjob/`
does), the Job completes, its backup verifies (with a restore test) in a pod that mounts the backup volume, holds
the release's ConfigMaps and the API's deal files (its PVC, mounted read-only), and restores into a fresh database
on the in-chart PostgreSQL with the same rows and the files with the same bytes. The
pre-upgrade backup hook ran on `helm upgrade` (checked first: the triggered run's retention keeps one backup per
hour, so it prunes the hook's backup of the same hour)."""

from __future__ import annotations

import copy
import json
import secrets
import time
from collections.abc import Iterator

import httpx
import pytest
from kubernetes import client as k8s

from tests.e2e.cluster import ExecResult, wait_for
from tests.e2e.release import Release, is_ready
from tests.e2e.report import record

JOB_TIMEOUT = 300
FILES = "/var/lib/triboka/files"  # the API's directory file store (chart: triboka.api.filesPath)


def _cronjob_pod_spec(release: Release) -> tuple[k8s.V1CronJob, k8s.V1PodSpec]:
    cron = release.cluster.batch.read_namespaced_cron_job(release.component("backup"), release.namespace)
    return cron, cron.spec.job_template.spec.template.spec


@pytest.fixture(scope="module")
def toolbox(release: Release) -> Iterator[str]:
    """A pod of the backup image with the CronJob's own env, service account and volumes (the backup PVC), kept
    running so `triboka-backup` commands can be run in it; removed at the end."""
    _, spec = _cronjob_pod_spec(release)
    spec = copy.deepcopy(spec)
    container = spec.containers[0]
    container.name = "toolbox"
    container.command, container.args = ["sleep"], ["900"]
    spec.active_deadline_seconds = 900  # bounded, whatever happens to the test
    name = f"{release.component('backup')}-toolbox"
    pod = k8s.V1Pod(
        metadata=k8s.V1ObjectMeta(name=name, labels={"triboka.test/e2e": "backup-toolbox"}), spec=spec
    )
    core = release.cluster.core
    core.create_namespaced_pod(release.namespace, pod)
    try:
        wait_for(
            lambda: is_ready(core.read_namespaced_pod(name, release.namespace)), 120, "the backup toolbox pod"
        )
        yield name
    finally:
        core.delete_namespaced_pod(name, release.namespace, grace_period_seconds=0)


def _tool(release: Release, toolbox: str, *command: str) -> ExecResult:
    return release.cluster.exec(release.namespace, toolbox, list(command), container="toolbox")


def _trigger(release: Release) -> tuple[str, float]:
    """A Job from the CronJob's template, owned by it, as `kubectl create job --from=cronjob/...` makes one."""
    cron, _ = _cronjob_pod_spec(release)
    assert cron.spec.suspend is True  # the suite's values: no scheduled run in the middle of the tests
    name = f"{cron.metadata.name}-manual-{secrets.token_hex(3)}"
    template = cron.spec.job_template
    job = k8s.V1Job(
        metadata=k8s.V1ObjectMeta(
            name=name,
            labels=template.metadata.labels,
            annotations={"cronjob.kubernetes.io/instantiate": "manual"},
            owner_references=[
                k8s.V1OwnerReference(
                    api_version="batch/v1",
                    kind="CronJob",
                    name=cron.metadata.name,
                    uid=cron.metadata.uid,
                    controller=True,
                )
            ],
        ),
        spec=template.spec,
    )
    release.cluster.batch.create_namespaced_job(release.namespace, job)
    finished, seconds = release.cluster.wait_job(release.namespace, name, JOB_TIMEOUT)
    logs = release.cluster.job_logs(release.namespace, name)
    assert finished.status.succeeded == 1, logs
    return logs, seconds


def _backup_id(logs: str) -> str:
    """The id `triboka-backup run` prints on stdout (the log lines on stderr are JSON)."""
    ids = [line for line in logs.splitlines() if line[:8].isdigit() and line.endswith("Z")]
    assert len(ids) == 1, logs
    return ids[0]


def test_the_pre_upgrade_hook_took_a_backup(release: Release, toolbox: str) -> None:
    name = release.component("backup") + "-pre-upgrade"
    try:
        release.cluster.batch.read_namespaced_job(name, release.namespace)
    except k8s.ApiException as error:  # this module alone: no upgrade ran yet
        if error.status != 404:
            raise
        release.upgrade()
    job, _ = release.cluster.wait_job(release.namespace, name, JOB_TIMEOUT)
    logs = release.cluster.job_logs(release.namespace, name)
    assert job.status.succeeded == 1, logs
    assert job.metadata.annotations["helm.sh/hook"] == "pre-upgrade"
    backup_id = _backup_id(logs)
    verify = _tool(release, toolbox, "triboka-backup", "verify", backup_id).check("verify")
    assert f"ok      {backup_id}" in verify.stdout
    record("backup", pre_upgrade_backup_id=backup_id)


def test_triggered_cronjob_backup_verifies_holds_the_config_and_restores(
    release: Release, toolbox: str, https: httpx.Client, admin_headers: dict[str, str], lot_body
) -> None:
    created = https.post("/api/lots", json=lot_body(), headers=admin_headers)
    assert created.status_code == 201
    lot_id = created.json()["lot_id"]
    # a deal file in the API's directory store (its PVC), which the backup pod mounts read-only
    deal_file = f"deals/999999/{secrets.token_hex(8)}.pdf"
    release.exec_api(
        "sh", "-c", 'mkdir -p "$(dirname "$0")" && head -c 300000 /dev/urandom > "$0"', f"{FILES}/{deal_file}"
    ).check("write a deal file")  # fmt: skip
    logs, job_seconds = _trigger(release)
    backup_id = _backup_id(logs)

    listed = json.loads(_tool(release, toolbox, "triboka-backup", "list", "--json").check("list").stdout)
    (entry,) = (
        [b for b in listed["backups"] if b["id"] == backup_id]
        if isinstance(listed, dict)
        else [b for b in listed if b["id"] == backup_id]
    )
    assert entry["status"] == "ok", entry
    verify = _tool(release, toolbox, "triboka-backup", "verify", backup_id, "--restore-test").check("verify")
    assert f"ok      {backup_id}" in verify.stdout, verify

    # the release's configuration, read in the cluster through the backup's service account
    config = json.loads(
        _tool(release, toolbox, "cat", f"/backups/{backup_id}/config.json").check("cat").stdout
    )
    assert config["namespace"] == release.namespace
    configmaps = {cm["name"]: cm["data"] for cm in config["configmaps"]}
    assert configmaps[release.component("api")]["TRIBOKA_DATABASE_HOST"] == release.component("postgresql")
    assert configmaps[release.component("web")]["TRIBOKA_WEB_API_URL"].startswith(
        f"http://{release.component('api')}:"
    )
    assert config["secrets"] == []  # never in clear: backups are not encrypted here
    manifest = json.loads(
        _tool(release, toolbox, "cat", f"/backups/{backup_id}/manifest.json").check("cat").stdout
    )
    assert {f["name"] for f in manifest["files"]} >= {"database.pgdump", "config.json", "files.tar"}
    metrics = _tool(release, toolbox, "cat", "/backups/metrics.prom").check("cat").stdout
    assert "triboka_backup_last_run_success 1" in metrics

    # restore into a fresh database of the in-chart PostgreSQL and compare with the live one (no writes since)
    target = f"restored_{secrets.token_hex(3)}"
    release.psql(f'CREATE DATABASE "{target}"')
    try:
        started = time.monotonic()  # the restore drill's figure on the cluster (docs/operations.md)
        restore = _tool(
            release, toolbox, "sh", "-c",
            'exec triboka-backup restore "$0" --check-counts --files-target /tmp/restored-files --target-url '
            '"postgresql://$TRIBOKA_BACKUP_DATABASE_USER:$TRIBOKA_BACKUP_DATABASE_PASSWORD@$TRIBOKA_BACKUP_DATABASE_HOST:$TRIBOKA_BACKUP_DATABASE_PORT/$1"',
            backup_id, target,
        ).check("restore")  # fmt: skip
        restore_seconds = time.monotonic() - started
        hashes = _tool(
            release, toolbox, "sha256sum", f"{FILES}/{deal_file}", f"/tmp/restored-files/{deal_file}"
        ).check("sha256sum").stdout.split()  # fmt: skip
        assert hashes[0] == hashes[2], "the deal file came back with the same bytes"
        counts = manifest["row_counts"]
        assert counts["public.producer_lots"] >= 1
        for table, rows in counts.items():  # "schema.table" names from the backup's manifest
            count_sql = "SELECT count(*) FROM {}".format(".".join(f'"{part}"' for part in table.split(".")))  # noqa: S608
            assert int(release.psql(count_sql, database=target)) == rows, table
            assert int(release.psql(count_sql)) == rows, table
        columns = "lot_code, farm_name, weight_kg, quality_grade, status, producer_company_id, harvest_date"
        lot_sql = f"SELECT {columns} FROM producer_lots WHERE id = {int(lot_id)}"  # noqa: S608
        assert release.psql(lot_sql, database=target) == release.psql(lot_sql) != ""
    finally:
        release.psql(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    record(
        "backup",
        cronjob_triggered_job_s=round(job_seconds, 1),
        backup_id=backup_id,
        row_counts=manifest["row_counts"],
        restore_output=restore.stdout.strip().splitlines()[-3:],
        restore_with_check_counts_s=round(restore_seconds, 1),
    )
