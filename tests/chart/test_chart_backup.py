"""Render tests of charts/triboka: the backup CronJob, its pre-upgrade hook, S3 and the RBAC of its configuration snapshot."""

from __future__ import annotations

import pytest
from chart_render import CHART, FULLNAME, RELEASE, container, env_of, find, get, pod_spec, render_chart


def test_backup_cronjob_policy():
    values = {
        "backup": {
            "schedule": "0 3 * * *",
            "timeZone": "America/Guayaquil",
            "suspend": True,
            "startingDeadlineSeconds": 120,
            "activeDeadlineSeconds": 900,
            "successfulJobsHistoryLimit": 2,
            "failedJobsHistoryLimit": 5,
        }
    }
    objects = render_chart(values, show_only=["backup/cronjob.yaml", "backup/pvc.yaml"])
    cron = get(objects, "CronJob", "backup")
    spec = cron["spec"]
    assert spec["schedule"] == "0 3 * * *"
    assert spec["timeZone"] == "America/Guayaquil"
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["suspend"] is True
    assert (spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (2, 5)
    assert spec["startingDeadlineSeconds"] == 120
    assert spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] == 900
    pod = pod_spec(cron)
    assert pod["restartPolicy"] == "Never"
    assert pod["automountServiceAccountToken"] is True
    assert pod["serviceAccountName"] == f"{FULLNAME}-backup"
    c = container(cron)
    assert c["args"] == ["run", "--prune"]
    env = env_of(c)
    assert env["TRIBOKA_BACKUP_TARGET_DIR"] == "/backups"
    assert env["TRIBOKA_BACKUP_RELEASE"] == RELEASE
    assert env["TRIBOKA_BACKUP_KUBE_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    assert env["TRIBOKA_BACKUP_KEEP_DAILY"] == "7"
    assert env["TRIBOKA_BACKUP_APP_VERSION"] == "2.0.0"
    assert not any(name.startswith("TRIBOKA_BACKUP_S3_") for name in env)
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["backups"]["persistentVolumeClaim"]["claimName"] == f"{FULLNAME}-backup"
    pvc = get(objects, "PersistentVolumeClaim", "backup")
    assert pvc["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_backup_to_s3():
    objects = render_chart(values_files=(CHART / "ci" / "backup-s3-values.yaml",))
    assert [c["metadata"]["name"] for c in find(objects, "PersistentVolumeClaim")] == [
        f"{FULLNAME}-api-files"  # the deal files' volume (storage.persistence), not a backup volume
    ]
    cron = get(objects, "CronJob", "backup")
    volumes = {v["name"]: v for v in pod_spec(cron)["volumes"]}
    assert volumes["backups"] == {"name": "backups", "emptyDir": {}}
    env = env_of(container(cron))
    assert env["TRIBOKA_BACKUP_S3_BUCKET"] == "triboka-backups"
    assert env["TRIBOKA_BACKUP_S3_ENDPOINT_URL"] == "https://s3.example.internal"
    assert env["TRIBOKA_BACKUP_S3_ACCESS_KEY_ID"] == {
        "secretKeyRef": {"name": "triboka-backup-s3", "key": "access-key-id"}
    }
    assert env["TRIBOKA_BACKUP_ENCRYPTION_KEY"] == {
        "secretKeyRef": {"name": "triboka-backup-key", "key": "encryption-key"}
    }


CONFIGMAP_RULE = {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}


def _secret_rule(names):
    return {"apiGroups": [""], "resources": ["secrets"], "resourceNames": names, "verbs": ["get"]}


@pytest.mark.parametrize(
    ("values", "names"),
    [
        ({}, [FULLNAME]),  # the chart Secret holds the app secrets and the in-chart database's password
        ({"secrets": {"existingSecret": "app-secrets"}}, ["app-secrets", FULLNAME]),
        (
            {
                "secrets": {"existingSecret": "app-secrets"},
                "postgresql": {"enabled": False},
                "externalDatabase": {"host": "db", "existingSecret": "db-secret"},
            },
            ["app-secrets", "db-secret"],
        ),
    ],
)
def test_encrypted_backup_may_get_only_the_releases_own_secrets_by_name(values, names):
    """Issue 11: the Role may read exactly the named Secrets (never `list`, which RBAC cannot restrict by name,
    nor the encryption key's or S3 credentials' Secrets), and the job is told the same names."""
    backup = {
        "encryption": {"existingSecret": "backup-key"},
        "s3": {
            "enabled": True,
            "bucket": "b",
            "endpointUrl": "https://s3.example.internal",
            "existingSecret": "s3-creds",
        },
    }
    objects = render_chart(values | {"backup": backup})
    rules = get(objects, "Role", "backup")["rules"]
    assert rules == [CONFIGMAP_RULE, _secret_rule(names)]
    secret_rules = [r for r in rules if "secrets" in r["resources"]]
    assert all(r["verbs"] == ["get"] and r.get("resourceNames") for r in secret_rules)
    assert not {"backup-key", "s3-creds"} & {n for r in secret_rules for n in r["resourceNames"]}
    for job in (get(objects, "CronJob", "backup"), get(objects, "Job", "backup")):
        assert env_of(container(job))["TRIBOKA_BACKUP_SECRET_NAMES"] == ",".join(names)


def test_backup_rbac_is_read_only_and_reads_no_secret_unencrypted():
    objects = render_chart()
    assert get(objects, "Role", "backup")["rules"] == [CONFIGMAP_RULE]
    assert "TRIBOKA_BACKUP_SECRET_NAMES" not in env_of(container(get(objects, "CronJob", "backup")))
    binding = get(objects, "RoleBinding", "backup")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": f"{FULLNAME}-backup", "namespace": "triboka"}
    ]
    accounts = {
        sa["metadata"]["name"]: sa["automountServiceAccountToken"] for sa in find(objects, "ServiceAccount")
    }
    assert accounts == {f"{FULLNAME}-api": False, f"{FULLNAME}-web": False, f"{FULLNAME}-backup": True}


def _files_mounts(cron: dict) -> tuple[dict, dict]:
    pod = pod_spec(cron)
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["name"]: m for m in container(cron)["volumeMounts"]}
    return volumes.get("files", {}), mounts.get("files", {})


def test_backup_archives_the_directory_file_store_read_only():
    objects = render_chart({}, show_only=["backup/cronjob.yaml", "backup/pre-upgrade-job.yaml"])
    jobs = [get(objects, "CronJob", "backup"), *find(objects, "Job")]
    assert len(jobs) == 2, "the CronJob and the pre-upgrade hook"
    for job in jobs:
        volume, mount = _files_mounts(job)
        assert volume["persistentVolumeClaim"] == {"claimName": f"{FULLNAME}-api-files", "readOnly": True}
        assert mount == {"name": "files", "mountPath": "/var/lib/triboka/files", "readOnly": True}
        assert env_of(container(job))["TRIBOKA_BACKUP_FILES_DIR"] == "/var/lib/triboka/files"


@pytest.mark.parametrize(
    "values",
    [
        {"backup": {"includeFiles": False}},
        # an emptyDir is the API pod's own: nothing to mount
        {"storage": {"persistence": {"enabled": False}}},
    ],
    ids=["opted-out", "no-persistence"],
)
def test_no_file_store_in_backups(values):
    cron = get(render_chart(values, show_only=["backup/cronjob.yaml"]), "CronJob", "backup")
    assert _files_mounts(cron) == ({}, {})
    assert not any(name.startswith("TRIBOKA_BACKUP_FILES_") for name in env_of(container(cron)))


def test_backup_checks_the_s3_file_store_bucket_is_versioned():
    storage = {
        "type": "s3",
        "s3": {
            "endpoint": "https://s3.example.internal",
            "bucket": "deal-files",
            "existingSecret": "files-s3",
        },
    }
    cron = get(render_chart({"storage": storage}, show_only=["backup/cronjob.yaml"]), "CronJob", "backup")
    assert _files_mounts(cron) == ({}, {})
    env = env_of(container(cron))
    assert env["TRIBOKA_BACKUP_FILES_S3_ENDPOINT_URL"] == "https://s3.example.internal"
    assert env["TRIBOKA_BACKUP_FILES_S3_BUCKET"] == "deal-files"
    assert env["TRIBOKA_BACKUP_FILES_S3_REGION"] == "us-east-1"
    assert env["TRIBOKA_BACKUP_FILES_S3_ACCESS_KEY_ID"] == {
        "secretKeyRef": {"name": "files-s3", "key": "access-key-id"}
    }
    assert env["TRIBOKA_BACKUP_FILES_S3_SECRET_ACCESS_KEY"] == {
        "secretKeyRef": {"name": "files-s3", "key": "secret-access-key"}
    }
    assert "TRIBOKA_BACKUP_FILES_DIR" not in env
