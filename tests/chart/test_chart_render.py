"""Render tests of charts/triboka: assertions on the objects `helm template` produces for given values."""

from __future__ import annotations

import base64

import pytest
from chart_render import CHART, RELEASE, RenderError, env_of, find, get, pod_spec, render_chart

FULLNAME = f"{RELEASE}-triboka"
EXTERNAL_DB = CHART / "ci" / "external-db-values.yaml"
SERVICE_MONITOR = CHART / "ci" / "service-monitor-values.yaml"
REDIS = CHART / "ci" / "redis-values.yaml"
REDIS_EXTERNAL = CHART / "ci" / "redis-external-values.yaml"


def container(obj, name=None):
    containers = pod_spec(obj)["containers"]
    return containers[0] if name is None else next(c for c in containers if c["name"] == name)


# --- workloads -------------------------------------------------------------------------------------------


def test_default_render_object_list():
    objects = render_chart()
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in objects)
    assert kinds == sorted(
        [
            ("ServiceAccount", f"{FULLNAME}-api"),
            ("ServiceAccount", f"{FULLNAME}-web"),
            ("ServiceAccount", f"{FULLNAME}-backup"),
            ("ConfigMap", f"{FULLNAME}-api"),
            ("ConfigMap", f"{FULLNAME}-web"),
            ("Secret", FULLNAME),
            ("Service", f"{FULLNAME}-api"),
            ("Service", f"{FULLNAME}-web"),
            ("Service", f"{FULLNAME}-postgresql"),
            ("Deployment", f"{FULLNAME}-api"),
            ("Deployment", f"{FULLNAME}-web"),
            ("StatefulSet", f"{FULLNAME}-postgresql"),
            ("CronJob", f"{FULLNAME}-backup"),
            ("PersistentVolumeClaim", f"{FULLNAME}-backup"),
            ("PersistentVolumeClaim", f"{FULLNAME}-api-files"),  # deal room files (storage.persistence)
            ("Role", f"{FULLNAME}-backup"),
            ("RoleBinding", f"{FULLNAME}-backup"),
            ("Job", f"{FULLNAME}-migrations-install"),
            ("Job", f"{FULLNAME}-backup-pre-upgrade"),
            ("Pod", f"{FULLNAME}-test"),
        ]
    )


@pytest.mark.parametrize(
    ("component", "startup", "liveness", "readiness"),
    [("api", "/api/health", "/api/health/live", "/api/health"), ("web", "/health", "/health", "/ready")],
)
def test_probe_paths_and_timings(component, startup, liveness, readiness):
    values = {component: {"livenessProbe": {"periodSeconds": 17, "failureThreshold": 4}}}
    c = container(get(render_chart(values), "Deployment", component))
    assert c["startupProbe"]["httpGet"] == {"path": startup, "port": "http"}
    assert c["livenessProbe"]["httpGet"] == {"path": liveness, "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": readiness, "port": "http"}
    assert c["livenessProbe"]["periodSeconds"] == 17
    assert c["livenessProbe"]["failureThreshold"] == 4


@pytest.mark.parametrize(("component", "port", "metrics"), [("api", 5003, 9100), ("web", 5004, 9101)])
def test_container_command_ports_and_metrics(component, port, metrics):
    objects = render_chart({component: {"workers": 3}})
    c = container(get(objects, "Deployment", component))
    assert c["args"] == [
        "serve",
        "--host",
        "0.0.0.0",  # noqa: S104 - the address the chart tells the server to bind in its pod
        "--port",
        str(port),
        "--workers",
        "3",
        "--metrics-port",
        str(metrics),
    ]
    assert {p["name"]: p["containerPort"] for p in c["ports"]} == {"http": port, "metrics": metrics}
    service = get(objects, "Service", component)
    assert {p["name"]: (p["port"], p["targetPort"]) for p in service["spec"]["ports"]} == {
        "http": (port, "http"),
        "metrics": (metrics, "metrics"),
    }


def test_default_resources_come_from_the_benchmark():
    """values.yaml's memory figures (`make bench`, docs/benchmarks.md) reach every container that uses them: memory
    request = idle PSS rounded up to 16 Mi, limit = PSS under load x 1.5 rounded up to 32 Mi; the backup job (never
    idle): request = peak RSS with pg_dump, limit = 2x that but at least 256 Mi. CPU is unchanged (the HPA's base)."""
    api = {"requests": {"cpu": "100m", "memory": "240Mi"}, "limits": {"cpu": "1", "memory": "448Mi"}}
    web = {"requests": {"cpu": "50m", "memory": "144Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}
    backup = {"requests": {"cpu": "50m", "memory": "96Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}
    objects = render_chart()
    api_pod = pod_spec(get(objects, "Deployment", "api"))
    assert [c["resources"] for c in api_pod["initContainers"] + api_pod["containers"]] == [api, api]
    assert container(get(objects, "Deployment", "web"))["resources"] == web
    backup_pods = [get(objects, "CronJob", "backup"), *find(objects, "Job", "backup")]
    assert len(backup_pods) == 2  # the CronJob and the pre-upgrade hook
    assert [container(obj)["resources"] for obj in backup_pods] == [backup, backup]


def test_hpa_owns_replicas_when_enabled():
    behavior = {"scaleDown": {"stabilizationWindowSeconds": 300}}
    objects = render_chart(
        {"api": {"replicaCount": 4, "autoscaling": {"enabled": True, "behavior": behavior}}}
    )
    deployment = get(objects, "Deployment", "api")
    assert "replicas" not in deployment["spec"]
    hpa = get(objects, "HorizontalPodAutoscaler", "api")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": f"{FULLNAME}-api",
    }
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 6)
    targets = {
        m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in hpa["spec"]["metrics"]
    }
    assert targets == {"cpu": 70}  # memory only when asked: the request is the idle footprint
    assert hpa["spec"]["behavior"] == behavior
    # web keeps its fixed count
    assert get(objects, "Deployment", "web")["spec"]["replicas"] == 1
    assert not find(objects, "HorizontalPodAutoscaler", "web")


def test_hpa_without_any_target_is_refused():
    with pytest.raises(RenderError, match="needs a CPU or a memory target"):
        render_chart(
            {
                "web": {
                    "autoscaling": {
                        "enabled": True,
                        "targetCPUUtilizationPercentage": None,
                        "targetMemoryUtilizationPercentage": None,
                    }
                }
            }
        )


@pytest.mark.parametrize(
    ("api_values", "expected"),
    [
        ({}, None),
        ({"replicaCount": 2}, {"maxUnavailable": 1}),
        ({"replicaCount": 3, "pdb": {"minAvailable": 2}}, {"minAvailable": 2}),
        ({"autoscaling": {"enabled": True, "minReplicas": 1}}, None),
        ({"autoscaling": {"enabled": True, "minReplicas": 3}}, {"maxUnavailable": 1}),
        ({"replicaCount": 3, "pdb": {"enabled": False}}, None),
    ],
)
def test_pdb_only_with_more_than_one_replica(api_values, expected):
    pdbs = find(render_chart({"api": api_values}), "PodDisruptionBudget", "api")
    if expected is None:
        assert pdbs == []
    else:
        (pdb,) = pdbs
        assert pdb["apiVersion"] == "policy/v1"
        assert {k: v for k, v in pdb["spec"].items() if k != "selector"} == expected
        assert pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == "api"


def test_every_triboka_container_is_non_root_and_read_only():
    objects = render_chart()
    workloads = [
        get(objects, "Deployment", "api"),
        get(objects, "Deployment", "web"),
        get(objects, "CronJob", "backup"),
        get(objects, "Job", "migrations"),
        get(objects, "Pod", "test"),
    ]
    for obj in workloads:
        spec = pod_spec(obj)
        assert spec["securityContext"]["runAsNonRoot"] is True, obj["metadata"]["name"]
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for c in spec["containers"] + spec.get("initContainers", []):
            sc = c["securityContext"]
            assert sc["runAsNonRoot"] is True
            assert sc["runAsUser"] == 10001
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"] == {"drop": ["ALL"]}
            assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
            assert {"name": "tmp", "mountPath": "/tmp"} in c["volumeMounts"], (
                obj["metadata"]["name"],
                c["name"],
            )


@pytest.mark.parametrize("component", ["api", "web"])
def test_rollout_and_shutdown_settings(component):
    values = {
        component: {
            "gracefulShutdownSeconds": 30,
            "preStopSleepSeconds": 10,
            "terminationGracePeriodSeconds": 45,
        }
    }
    deployment = get(render_chart(values), "Deployment", component)
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    spec = pod_spec(deployment)
    assert spec["terminationGracePeriodSeconds"] == 45
    assert container(deployment)["lifecycle"]["preStop"] == {"exec": {"command": ["sleep", "10"]}}
    assert spec["automountServiceAccountToken"] is False


def test_grace_period_must_exceed_prestop_plus_shutdown():
    with pytest.raises(RenderError, match="terminationGracePeriodSeconds must exceed"):
        render_chart({"api": {"gracefulShutdownSeconds": 30, "terminationGracePeriodSeconds": 30}})


def test_selectors_are_name_instance_component_only():
    for obj in render_chart():
        if obj["kind"] in ("Deployment", "StatefulSet"):
            assert set(obj["spec"]["selector"]["matchLabels"]) == {
                "app.kubernetes.io/name",
                "app.kubernetes.io/instance",
                "app.kubernetes.io/component",
            }
        if obj["kind"] == "Service":
            assert set(obj["spec"]["selector"]) == {
                "app.kubernetes.io/name",
                "app.kubernetes.io/instance",
                "app.kubernetes.io/component",
            }
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/instance"] == RELEASE
        assert labels["app.kubernetes.io/managed-by"] == "Helm"


def test_topology_spread_gets_the_component_selector():
    constraint = {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule"}
    spec = pod_spec(
        get(render_chart({"web": {"topologySpreadConstraints": [constraint]}}), "Deployment", "web")
    )
    (rendered,) = spec["topologySpreadConstraints"]
    assert rendered["topologyKey"] == "kubernetes.io/hostname"
    assert rendered["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == "web"


def test_images_tags_and_global_registry():
    objects = render_chart({"global": {"imageRegistry": "localhost"}, "web": {"image": {"tag": "2.0.1"}}})
    assert container(get(objects, "Deployment", "api"))["image"] == "localhost/triboka-api:2.0.0"
    assert container(get(objects, "Deployment", "web"))["image"] == "localhost/triboka-web:2.0.1"
    assert container(get(objects, "CronJob", "backup"))["image"] == "localhost/triboka-backup:2.0.0"
    assert container(get(objects, "StatefulSet", "postgresql"))["image"] == "localhost/postgres:15"
    objects = render_chart({"api": {"image": {"registry": "registry.example", "pullPolicy": "Always"}}})
    api = container(get(objects, "Deployment", "api"))
    assert (api["image"], api["imagePullPolicy"]) == ("registry.example/triboka-api:2.0.0", "Always")


def test_extra_env_volumes_and_mounts():
    values = {
        "api": {
            "extraEnv": [{"name": "FOO", "value": "bar"}],
            "extraEnvFrom": [{"secretRef": {"name": "more"}}],
            "extraVolumes": [{"name": "certs", "secret": {"secretName": "ca"}}],
            "extraVolumeMounts": [{"name": "certs", "mountPath": "/etc/certs", "readOnly": True}],
        }
    }
    deployment = get(render_chart(values), "Deployment", "api")
    c = container(deployment)
    assert env_of(c)["FOO"] == "bar"
    assert {"secretRef": {"name": "more"}} in c["envFrom"]
    assert {"name": "certs", "mountPath": "/etc/certs", "readOnly": True} in c["volumeMounts"]
    assert {"name": "certs", "secret": {"secretName": "ca"}} in pod_spec(deployment)["volumes"]


def test_api_and_web_configuration():
    objects = render_chart({"api": {"corsOrigins": ["https://a.example", "https://b.example"]}})
    api_config = get(objects, "ConfigMap", "api")["data"]
    assert api_config["TRIBOKA_CORS_ORIGINS"] == "https://a.example,https://b.example"
    assert api_config["TRIBOKA_ENVIRONMENT"] == "production"
    assert api_config["TRIBOKA_DATABASE_HOST"] == f"{FULLNAME}-postgresql"
    assert api_config["PROMETHEUS_MULTIPROC_DIR"] == "/tmp/metrics"
    web_config = get(objects, "ConfigMap", "web")["data"]
    assert web_config["TRIBOKA_WEB_API_URL"] == f"http://{FULLNAME}-api:5003"
    assert web_config["TRIBOKA_WEB_COOKIE_SECURE"] == "true"
    assert web_config["TRIBOKA_WEB_DEFAULT_LOCALE"] == "es"


# --- checksums ---------------------------------------------------------------------------------------------


def _checksums(values):
    deployment = get(render_chart(values), "Deployment", "api")
    return deployment["spec"]["template"]["metadata"]["annotations"]


def test_checksums_are_stable_and_follow_value_changes():
    base = _checksums({})
    assert _checksums({}) == base  # generated secrets do not make every render differ
    changed_config = _checksums({"api": {"logLevel": "DEBUG"}})
    assert changed_config["checksum/config"] != base["checksum/config"]
    assert changed_config["checksum/secret"] == base["checksum/secret"]
    changed_secret = _checksums({"secrets": {"jwtSecret": "x" * 40}})
    assert changed_secret["checksum/secret"] != base["checksum/secret"]
    assert changed_secret["checksum/config"] == base["checksum/config"]


# --- secrets -----------------------------------------------------------------------------------------------


def test_generated_secret_is_a_hook_with_every_key():
    secret = get(render_chart({"secrets": {"adminPassword": "s3cret-admin"}}), "Secret", "secrets")
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert set(data) == {"jwt-secret", "web-secret-key", "admin-password", "db-password"}
    assert data["admin-password"] == "s3cret-admin"
    assert len(data["jwt-secret"]) >= 32
    assert len(data["web-secret-key"]) >= 32
    annotations = secret["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(annotations["helm.sh/hook-weight"]) < 0


def test_secrets_from_existing_secrets():
    objects = render_chart(values_files=(EXTERNAL_DB,))
    assert not find(objects, "Secret")  # nothing left for the chart to hold
    api = env_of(container(get(objects, "Deployment", "api")))
    assert api["TRIBOKA_JWT_SECRET"] == {"secretKeyRef": {"name": "triboka-app-secrets", "key": "jwt-secret"}}
    assert api["TRIBOKA_DATABASE_PASSWORD"] == {"secretKeyRef": {"name": "triboka-db", "key": "password"}}
    web = env_of(container(get(objects, "Deployment", "web")))
    assert web["TRIBOKA_WEB_SECRET_KEY"] == {
        "secretKeyRef": {"name": "triboka-app-secrets", "key": "web-secret-key"}
    }
    migrate = env_of(pod_spec(get(objects, "Job", "migrations"))["initContainers"][0])
    assert migrate["TRIBOKA_ADMIN_PASSWORD"] == {
        "secretKeyRef": {"name": "triboka-app-secrets", "key": "admin-password"}
    }
    assert migrate["TRIBOKA_DATABASE_HOST"] == "triboka-db.example.internal"
    backup = env_of(container(get(objects, "CronJob", "backup")))
    assert backup["TRIBOKA_BACKUP_DATABASE_PASSWORD"] == {
        "secretKeyRef": {"name": "triboka-db", "key": "password"}
    }
    assert not find(objects, "StatefulSet")


def test_external_database_password_value_goes_to_the_chart_secret():
    values = {"postgresql": {"enabled": False}, "externalDatabase": {"host": "db", "password": "pw"}}
    secret = get(render_chart(values), "Secret", "secrets")
    assert base64.b64decode(secret["data"]["db-password"]) == b"pw"


def test_external_database_needs_a_host_and_a_password():
    with pytest.raises(RenderError, match=r"externalDatabase\.host is required"):
        render_chart({"postgresql": {"enabled": False}, "externalDatabase": {"password": "pw"}})
    with pytest.raises(RenderError, match=r"externalDatabase\.password or externalDatabase\.existingSecret"):
        render_chart({"postgresql": {"enabled": False}, "externalDatabase": {"host": "db"}})


# --- hooks -------------------------------------------------------------------------------------------------


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


# --- backup ------------------------------------------------------------------------------------------------


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
    objects = render_chart(values)
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


# --- ingress -----------------------------------------------------------------------------------------------


def test_ingress_paths_tls_and_annotations():
    objects = render_chart(values_files=(CHART / "ci" / "ingress-tls-values.yaml",))
    ingress = get(objects, "Ingress", "ingress")
    spec = ingress["spec"]
    assert spec["ingressClassName"] == "nginx"
    assert spec["tls"] == [{"hosts": ["app.triboka.example.com"], "secretName": "triboka-tls"}]
    (rule,) = spec["rules"]
    assert rule["host"] == "app.triboka.example.com"
    routes = {
        p["path"]: (p["pathType"], p["backend"]["service"]["name"], p["backend"]["service"]["port"])
        for p in rule["http"]["paths"]
    }
    assert routes == {
        "/socket.io": ("Prefix", f"{FULLNAME}-api", {"name": "http"}),  # deal rooms' Socket.IO (issue 13)
        "/api": ("Prefix", f"{FULLNAME}-api", {"name": "http"}),
        "/": ("Prefix", f"{FULLNAME}-web", {"name": "http"}),
    }
    annotations = ingress["metadata"]["annotations"]
    assert annotations["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
    assert annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
    assert annotations["nginx.ingress.kubernetes.io/limit-rps"] == "20"
    assert annotations["nginx.ingress.kubernetes.io/limit-connections"] == "50"
    assert (
        "max-age=31536000; includeSubDomains; preload"
        in annotations["nginx.ingress.kubernetes.io/configuration-snippet"]
    )
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "10m"


def test_ingress_for_traefik_has_no_nginx_annotations():
    objects = render_chart(
        {"ingress": {"enabled": True, "className": "traefik", "host": "triboka.localhost"}}
    )
    ingress = get(objects, "Ingress", "ingress")
    assert ingress["spec"]["ingressClassName"] == "traefik"
    assert "annotations" not in ingress["metadata"]
    assert "tls" not in ingress["spec"]


def test_no_ingress_by_default():
    assert find(render_chart(), "Ingress") == []


# --- network policies --------------------------------------------------------------------------------------


def _peers_components(rule, direction):
    return {
        p["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for p in rule.get(direction, [])
        if "podSelector" in p and "app.kubernetes.io/component" in p["podSelector"].get("matchLabels", {})
    }


def _ports(rule):
    return {p["port"] for p in rule.get("ports", [])}


def test_network_policies_are_opt_in():
    assert find(render_chart(), "NetworkPolicy") == []


def test_network_policies_allow_only_the_platform_paths():
    objects = render_chart(values_files=(CHART / "ci" / "network-policies-values.yaml",))
    policies = {
        p["metadata"]["labels"]["app.kubernetes.io/component"]: p["spec"]
        for p in find(objects, "NetworkPolicy")
    }
    assert set(policies) == {"api", "web", "postgresql", "backup", "migrations", "test"}
    for spec in policies.values():
        assert spec["policyTypes"] == ["Ingress", "Egress"]
    for component in ("api", "web", "backup", "migrations", "test"):  # DNS everywhere but the database
        assert any(_ports(rule) == {53} for rule in policies[component]["egress"]), component
    assert "egress" not in policies["postgresql"]

    api_from = [(_peers_components(r, "from"), _ports(r)) for r in policies["api"]["ingress"]]
    assert ({"web"}, {5003}) in api_from
    assert any("test" in peers for peers, _ in api_from)
    api_ingress_controller = policies["api"]["ingress"][1]["from"][0]
    assert api_ingress_controller["namespaceSelector"] == {
        "matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}
    }
    assert ({"postgresql"}, {5432}) in [
        (_peers_components(r, "to"), _ports(r)) for r in policies["api"]["egress"]
    ]
    assert ({"api"}, {5003}) in [(_peers_components(r, "to"), _ports(r)) for r in policies["web"]["egress"]]
    assert _peers_components(policies["postgresql"]["ingress"][0], "from") == {"api", "migrations", "backup"}
    backup_egress = policies["backup"]["egress"]
    kube_api = next(r for r in backup_egress if _ports(r) == {443, 6443})
    assert kube_api["to"] == [{"ipBlock": {"cidr": "10.0.0.1/32"}}]
    metrics = [r for r in policies["api"]["ingress"] if _ports(r) == {9100}]
    assert metrics[0]["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    ]


def test_network_policy_for_an_external_database():
    objects = render_chart(
        {"networkPolicy": {"enabled": True, "externalDatabase": [{"ipBlock": {"cidr": "10.20.0.0/16"}}]}},
        values_files=(EXTERNAL_DB,),
    )
    api = get(objects, "NetworkPolicy", "api")["spec"]
    assert {
        "ports": [{"port": 5432, "protocol": "TCP"}],
        "to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}],
    } in api["egress"]
    assert not find(objects, "NetworkPolicy", "postgresql")


# --- metrics -----------------------------------------------------------------------------------------------


def test_service_monitors_are_opt_in():
    assert find(render_chart(), "ServiceMonitor") == []


@pytest.mark.parametrize("component", ["api", "web"])
def test_service_monitor_scrapes_the_services_metrics_port(component):
    values = {
        "commonLabels": {"team": "platform"},
        "metrics": {
            "serviceMonitor": {
                "enabled": True,
                "additionalLabels": {"release": "kube-prometheus-stack"},
                "interval": "30s",
                "scrapeTimeout": "10s",
            }
        },
        component: {"service": {"metricsPort": 9200}},
    }
    objects = render_chart(values)
    monitor = get(objects, "ServiceMonitor", component)
    service = get(objects, "Service", component)
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["name"] == f"{FULLNAME}-{component}"
    assert monitor["metadata"]["namespace"] == "triboka"
    labels = monitor["metadata"]["labels"]
    assert labels["release"] == "kube-prometheus-stack"
    assert labels["team"] == "platform"
    assert labels["app.kubernetes.io/managed-by"] == "Helm"
    # it selects this Service and no other, in the release namespace
    selector = monitor["spec"]["selector"]
    assert set(selector) == {"matchLabels"}
    selected = [
        s
        for s in find(objects, "Service")
        if selector["matchLabels"].items() <= s["metadata"]["labels"].items()
    ]
    assert selected == [service]
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["triboka"]}
    # its endpoint names the Service's metrics port, which leads to the container's metrics port
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint == {
        "port": "metrics",
        "path": "/metrics",
        "scheme": "http",
        "interval": "30s",
        "scrapeTimeout": "10s",
    }
    (service_port,) = [p for p in service["spec"]["ports"] if p["name"] == endpoint["port"]]
    assert service_port["port"] == 9200
    container_ports = {
        p["name"]: p["containerPort"] for p in container(get(objects, "Deployment", component))["ports"]
    }
    assert container_ports[service_port["targetPort"]] == 9200


def test_service_monitor_defaults_leave_interval_and_timeout_to_prometheus():
    relabelings = [{"sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node"}]
    objects = render_chart({"metrics": {"serviceMonitor": {"enabled": True, "relabelings": relabelings}}})
    monitors = find(objects, "ServiceMonitor")
    assert sorted(m["metadata"]["labels"]["app.kubernetes.io/component"] for m in monitors) == ["api", "web"]
    for monitor in monitors:
        assert "release" not in monitor["metadata"]["labels"]
        assert monitor["spec"]["endpoints"] == [
            {"port": "metrics", "path": "/metrics", "scheme": "http", "relabelings": relabelings}
        ]


def test_service_monitors_in_the_monitoring_namespace_with_network_policies():
    objects = render_chart(values_files=(SERVICE_MONITOR,))
    for component, port in (("api", 9100), ("web", 9101)):
        monitor = get(objects, "ServiceMonitor", component)
        assert monitor["metadata"]["namespace"] == "monitoring"
        assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["triboka"]}  # the Services' namespace
        (endpoint,) = monitor["spec"]["endpoints"]
        assert endpoint["metricRelabelings"] == [
            {"sourceLabels": ["__name__"], "regex": "python_gc_.*", "action": "drop"}
        ]
        # Prometheus' namespace may reach the metrics port
        policy = get(objects, "NetworkPolicy", component)["spec"]
        (rule,) = [r for r in policy["ingress"] if _ports(r) == {port}]
        assert rule["from"] == [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
        ]


# --- schema ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"api": {"replicaCount": "two"}}, "/api/replicaCount"),
        ({"backup": {"suspend": "yes"}}, "/backup/suspend"),
        ({"environment": "staging"}, "/environment"),
        ({"api": {"image": {"pullPolicy": "Sometimes"}}}, "/api/image/pullPolicy"),
        ({"secrets": {"jwtSecret": "too-short"}}, "/secrets/jwtSecret"),
        ({"replicas": 3}, "additional properties 'replicas' not allowed"),
        ({"api": {"rateLimit": {"authAccount": "10 a minute"}}}, "/api/rateLimit/authAccount"),
        ({"api": {"rateLimit": {"default": "0/minute"}}}, "/api/rateLimit/default"),
        ({"api": {"trustedProxies": ["ingress-nginx"]}}, "/api/trustedProxies/0"),
        ({"redis": {"auth": {"password": "p@ss/word"}}}, "/redis/auth/password"),
        ({"redis": {"persistence": {"size": "1Gi"}}}, "additional properties 'persistence' not allowed"),
        ({"redis": {"external": {"url": "redis://x"}}}, "additional properties 'url' not allowed"),
        ({"api": {"replica": 3}}, "additional properties 'replica' not allowed"),
        ({"ingress": {"tls": {"enable": True}}}, "additional properties 'enable' not allowed"),
        ({"metrics": {"serviceMonitor": {"interval": "30 seconds"}}}, "/metrics/serviceMonitor/interval"),
        ({"metrics": {"serviceMonitor": {"scrapeTimeout": 10}}}, "/metrics/serviceMonitor/scrapeTimeout"),
        (
            {"metrics": {"serviceMonitor": {"labels": {"a": "b"}}}},
            "additional properties 'labels' not allowed",
        ),
    ],
)
def test_schema_rejects_bad_values(values, message):
    with pytest.raises(RenderError, match="schema") as err:
        render_chart(values)
    assert message in str(err.value)


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


# --- redis and rate limits -----------------------------------------------------------------------------------


def test_rate_limit_knobs_reach_the_api_configuration():
    defaults = get(render_chart(), "ConfigMap", "api")["data"]
    assert {k: v for k, v in defaults.items() if "RATE_LIMIT" in k or "PROXIES" in k} == {
        "TRIBOKA_RATE_LIMIT_ENABLED": "true",
        "TRIBOKA_RATE_LIMIT_DEFAULT": "600/minute",
        "TRIBOKA_RATE_LIMIT_AUTH_ACCOUNT": "10/minute",
        "TRIBOKA_RATE_LIMIT_AUTH_IP": "60/minute",
        "TRIBOKA_TRUSTED_PROXIES": "",
    }
    tuned = get(render_chart(values_files=(REDIS,)), "ConfigMap", "api")["data"]
    assert tuned["TRIBOKA_RATE_LIMIT_DEFAULT"] == "1200/minute"
    assert tuned["TRIBOKA_RATE_LIMIT_AUTH_ACCOUNT"] == "5/minute"
    assert tuned["TRIBOKA_RATE_LIMIT_AUTH_IP"] == "30/minute"
    assert tuned["TRIBOKA_TRUSTED_PROXIES"] == "10.42.0.0/16,fd00:42::/64"
    off = get(render_chart({"api": {"rateLimit": {"enabled": False}}}), "ConfigMap", "api")["data"]
    assert off["TRIBOKA_RATE_LIMIT_ENABLED"] == "false"


def test_no_redis_by_default():
    objects = render_chart()
    assert not find(objects, "StatefulSet", "redis")
    assert not find(objects, "Service", "redis")
    assert "TRIBOKA_REDIS_URL" not in env_of(container(get(objects, "Deployment", "api")))
    assert "redis-password" not in get(objects, "Secret", "secrets")["data"]


def test_in_chart_redis_statefulset():
    objects = render_chart(values_files=(REDIS,))
    statefulset = get(objects, "StatefulSet", "redis")
    assert statefulset["spec"]["replicas"] == 1
    assert "volumeClaimTemplates" not in statefulset["spec"]  # no persistence
    spec = pod_spec(statefulset)
    assert spec["automountServiceAccountToken"] is False
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    c = container(statefulset)
    assert c["image"] == "triboka-redis:7.0"
    args = c["args"]
    assert args[:6] == ["--port", "6379", "--save", "", "--appendonly", "no"]
    assert args[6:] == ["--maxmemory", "32mb", "--maxmemory-policy", "volatile-ttl"]
    sc = c["securityContext"]
    assert (sc["runAsUser"], sc["readOnlyRootFilesystem"], sc["allowPrivilegeEscalation"]) == (
        10001,
        True,
        False,
    )
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert c["volumeMounts"] == [{"name": "data", "mountPath": "/data"}]
    assert spec["volumes"] == [{"name": "data", "emptyDir": {"sizeLimit": "64Mi"}}]
    assert c["resources"]["limits"] == {"cpu": "500m", "memory": "128Mi"}
    assert env_of(c) == {
        "REDIS_PASSWORD": {"secretKeyRef": {"name": FULLNAME, "key": "redis-password"}},
    }
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        command = c[probe]["exec"]["command"]
        assert command[:2] == ["sh", "-c"]
        assert 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli' in command[2]
        assert "PONG" in command[2]
    assert c["readinessProbe"]["periodSeconds"] == 5
    service = get(objects, "Service", "redis")
    assert service["spec"]["ports"] == [
        {"name": "redis", "port": 6379, "targetPort": "redis", "protocol": "TCP"}
    ]
    assert {p["name"]: p["containerPort"] for p in c["ports"]} == {"redis": 6379}
    assert not find(objects, "PodDisruptionBudget", "redis")


def test_in_chart_redis_password_is_generated_once_and_never_in_clear():
    objects = render_chart(values_files=(REDIS,))
    secret = get(objects, "Secret", "secrets")
    password = base64.b64decode(secret["data"]["redis-password"]).decode()
    assert len(password) >= 32
    assert password.isalnum()  # it goes into a URL unescaped
    given = "given-redis-password-0123456789"
    objects = render_chart({"redis": {"auth": {"password": given}}}, values_files=(REDIS,))
    assert base64.b64decode(get(objects, "Secret", "secrets")["data"]["redis-password"]).decode() == given
    for obj in objects:
        if obj["kind"] != "Secret":
            assert given not in str(obj), (
                f"{obj['kind']}/{obj['metadata']['name']} holds the password in clear"
            )


def test_api_gets_the_in_chart_redis_url_from_the_secret():
    objects = render_chart(values_files=(REDIS,))
    env = container(get(objects, "Deployment", "api"))["env"]
    names = [e["name"] for e in env]
    # the kubelet expands $(REDIS_PASSWORD) only from a variable defined before
    assert names.index("REDIS_PASSWORD") < names.index("TRIBOKA_REDIS_URL")
    by_name = env_of({"env": env})
    assert by_name["REDIS_PASSWORD"] == {"secretKeyRef": {"name": FULLNAME, "key": "redis-password"}}
    assert by_name["TRIBOKA_REDIS_URL"] == f"redis://:$(REDIS_PASSWORD)@{FULLNAME}-redis:6379/0"
    # the migration hook never talks to Redis (and its NetworkPolicy would not let it)
    for c in pod_spec(get(objects, "Job", "migrations"))["containers"]:
        assert "TRIBOKA_REDIS_URL" not in env_of(c)


def test_in_chart_redis_with_an_existing_password_secret():
    values = {"redis": {"auth": {"existingSecret": "redis-auth", "existingSecretPasswordKey": "pw"}}}
    objects = render_chart(values, values_files=(REDIS,))
    ref = {"secretKeyRef": {"name": "redis-auth", "key": "pw"}}
    assert env_of(container(get(objects, "StatefulSet", "redis")))["REDIS_PASSWORD"] == ref
    assert env_of(container(get(objects, "Deployment", "api")))["REDIS_PASSWORD"] == ref
    assert "redis-password" not in get(objects, "Secret", "secrets")["data"]


def test_redis_password_changes_roll_the_api_and_redis_pods():
    def checksums(values):
        objects = render_chart(values, values_files=(REDIS,))
        return [
            get(objects, kind, component)["spec"]["template"]["metadata"]["annotations"]["checksum/secret"]
            for kind, component in (("Deployment", "api"), ("StatefulSet", "redis"))
        ]

    base = checksums({})
    assert checksums({}) == base
    changed = checksums({"redis": {"auth": {"password": "another-redis-password-0123"}}})
    assert all(new != old for new, old in zip(changed, base, strict=True))


def test_external_redis_url_from_an_existing_secret():
    objects = render_chart(values_files=(REDIS_EXTERNAL,))
    assert not find(objects, "StatefulSet", "redis")
    assert not find(objects, "Service", "redis")
    assert not find(objects, "NetworkPolicy", "redis")
    assert "redis-password" not in get(objects, "Secret", "secrets")["data"]
    env = env_of(container(get(objects, "Deployment", "api")))
    assert env["TRIBOKA_REDIS_URL"] == {"secretKeyRef": {"name": "triboka-redis", "key": "url"}}
    assert "REDIS_PASSWORD" not in env
    api = get(objects, "NetworkPolicy", "api")["spec"]
    assert {
        "ports": [{"port": 6380, "protocol": "TCP"}],
        "to": [{"ipBlock": {"cidr": "10.30.0.0/24"}}],
    } in api["egress"]


def test_in_chart_and_external_redis_are_exclusive():
    with pytest.raises(
        RenderError, match=r"redis\.enabled and redis\.external\.existingSecret are exclusive"
    ):
        render_chart({"redis": {"enabled": True, "external": {"existingSecret": "triboka-redis"}}})


def test_network_policies_let_only_the_api_reach_redis():
    objects = render_chart(values_files=(REDIS,))
    policies = {
        p["metadata"]["labels"]["app.kubernetes.io/component"]: p["spec"]
        for p in find(objects, "NetworkPolicy")
    }
    redis = policies["redis"]
    assert redis["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "redis"
    assert redis["policyTypes"] == ["Ingress", "Egress"]
    assert "egress" not in redis  # reaches nothing
    assert [(_peers_components(r, "from"), _ports(r)) for r in redis["ingress"]] == [({"api"}, {6379})]
    assert ({"redis"}, {6379}) in [(_peers_components(r, "to"), _ports(r)) for r in policies["api"]["egress"]]
    for component in ("web", "backup", "migrations", "test"):
        for rule in policies[component]["egress"]:
            assert "redis" not in _peers_components(rule, "to"), component
            assert 6379 not in _ports(rule), component
