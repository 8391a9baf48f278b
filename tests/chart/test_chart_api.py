"""Render tests of charts/triboka: the API's schema migrations (Job or hook) and its configuration."""

from __future__ import annotations

from chart_render import EXTERNAL_DB, FULLNAME, REDIS, container, env_of, find, get, pod_spec, render_chart


def _hook(obj):
    annotations = obj["metadata"]["annotations"]
    return (
        annotations["helm.sh/hook"],
        int(annotations["helm.sh/hook-weight"]),
        annotations["helm.sh/hook-delete-policy"],
    )


def test_migration_hook_with_external_database_runs_before_install_and_upgrade():
    objects = render_chart(values_files=(EXTERNAL_DB,))
    job = get(objects, "Job", "migrations")
    assert _hook(job) == ("pre-install,pre-upgrade", 0, "before-hook-creation")
    assert job["spec"]["ttlSecondsAfterFinished"] == 3600
    spec = pod_spec(job)
    assert spec["initContainers"][0]["args"] == ["migrate", "--wait", "120"]
    assert spec["containers"][0]["args"] == ["create-admin", "--if-missing"]
    assert "serviceAccountName" not in spec  # the release's own ServiceAccounts do not exist before install


def test_migrations_with_in_chart_database_run_with_the_install_then_before_upgrades():
    # install: an ordinary Job created with the StatefulSet (a pre-install hook would find no database)
    install_job = get(render_chart(), "Job", "migrations")
    assert install_job["metadata"]["name"] == f"{FULLNAME}-migrations-install"
    assert "annotations" not in install_job["metadata"]
    assert pod_spec(install_job)["initContainers"][0]["args"] == ["migrate", "--wait", "120"]
    # upgrade: secret, then backup, then migrations, all before the new pods
    objects = render_chart(is_upgrade=True)
    hook, weight, policy = _hook(get(objects, "Job", "migrations"))
    assert (hook, policy) == ("pre-install,pre-upgrade", "before-hook-creation")
    secret_hook, secret_weight, _ = _hook(get(objects, "Secret", "secrets"))
    backup_job = next(
        job for job in find(objects, "Job", "backup") if job["metadata"]["name"].endswith("pre-upgrade")
    )
    backup_hook, backup_weight, _ = _hook(backup_job)
    assert secret_hook == "pre-install,pre-upgrade"
    assert backup_hook == "pre-upgrade"
    assert secret_weight < backup_weight < weight


def test_pre_upgrade_backup_can_be_disabled_and_migrations_too():
    objects = render_chart(
        {"backup": {"preUpgrade": {"enabled": False}}, "api": {"migrations": {"enabled": False}}}
    )
    assert find(objects, "Job") == []


def test_api_pods_wait_for_the_schema_before_starting():
    """API pods start only once the migration Job/hook brought the database to this release's schema."""
    spec = pod_spec(get(render_chart({}), "Deployment", "api"))
    (init,) = spec["initContainers"]
    assert init["args"] == ["check-schema", "--wait", "600"]
    assert init["image"] == spec["containers"][0]["image"]
    assert init["securityContext"]["readOnlyRootFilesystem"] is True
    assert "initContainers" not in pod_spec(get(render_chart({}), "Deployment", "web"))
    disabled = pod_spec(get(render_chart({"api": {"migrations": {"enabled": False}}}), "Deployment", "api"))
    assert "initContainers" not in disabled


def test_rate_limit_knobs_reach_the_api_configuration():
    defaults = get(render_chart(show_only=["api/configmap.yaml"]), "ConfigMap", "api")["data"]
    assert {k: v for k, v in defaults.items() if "RATE_LIMIT" in k or "PROXIES" in k} == {
        "TRIBOKA_RATE_LIMIT_ENABLED": "true",
        "TRIBOKA_RATE_LIMIT_DEFAULT": "600/minute",
        "TRIBOKA_RATE_LIMIT_AUTH_ACCOUNT": "10/minute",
        "TRIBOKA_RATE_LIMIT_AUTH_IP": "60/minute",
        "TRIBOKA_TRUSTED_PROXIES": "",
    }
    tuned = get(render_chart(values_files=(REDIS,), show_only=["api/configmap.yaml"]), "ConfigMap", "api")[
        "data"
    ]
    assert tuned["TRIBOKA_RATE_LIMIT_DEFAULT"] == "1200/minute"
    assert tuned["TRIBOKA_RATE_LIMIT_AUTH_ACCOUNT"] == "5/minute"
    assert tuned["TRIBOKA_RATE_LIMIT_AUTH_IP"] == "30/minute"
    assert tuned["TRIBOKA_TRUSTED_PROXIES"] == "10.42.0.0/16,fd00:42::/64"
    off = get(
        render_chart({"api": {"rateLimit": {"enabled": False}}}, show_only=["api/configmap.yaml"]),
        "ConfigMap",
        "api",
    )["data"]
    assert off["TRIBOKA_RATE_LIMIT_ENABLED"] == "false"


def test_api_deployment_mounts_the_deal_files_volume_or_takes_the_s3_keys():
    """Deal room files (issue 13): the filesystem store's volume is mounted where its path points; the S3 store's
    keys come from the existing Secret, in the pod env, never in the ConfigMap."""
    objects = render_chart()
    deployment = get(objects, "Deployment", "api")
    config = get(objects, "ConfigMap", "api")["data"]
    volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
    assert volumes["files"]["persistentVolumeClaim"] == {"claimName": f"{FULLNAME}-api-files"}
    mounts = {m["name"]: m["mountPath"] for m in container(deployment, "api")["volumeMounts"]}
    assert mounts["files"] == config["TRIBOKA_FILE_STORE_PATH"]

    s3 = {
        "type": "s3",
        "s3": {"endpoint": "http://s3.example:8333", "bucket": "deals", "existingSecret": "s3-keys"},
    }
    objects = render_chart({"storage": s3})
    deployment = get(objects, "Deployment", "api")
    assert "files" not in {v["name"] for v in pod_spec(deployment)["volumes"]}
    assert find(objects, "PersistentVolumeClaim", "api") == []
    for api_container in (container(deployment, "api"), pod_spec(deployment)["initContainers"][0]):
        env = env_of(api_container)
        assert env["TRIBOKA_S3_ACCESS_KEY_ID"]["secretKeyRef"]["name"] == "s3-keys"
        assert env["TRIBOKA_S3_SECRET_ACCESS_KEY"]["secretKeyRef"]["name"] == "s3-keys"
    config = get(objects, "ConfigMap", "api")["data"]
    assert config["TRIBOKA_FILE_STORE"] == "s3"
    assert config["TRIBOKA_S3_BUCKET"] == "deals"
    assert not any("SECRET" in key or "ACCESS_KEY" in key for key in config)
