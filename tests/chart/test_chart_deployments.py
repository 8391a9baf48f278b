"""Render tests of charts/triboka: the api and web Deployments: probes, ports, resources, autoscaling, disruption budgets, rollout, configuration and the checksums that roll them."""

from __future__ import annotations

import pytest
from chart_render import FULLNAME, RenderError, container, env_of, find, get, pod_spec, render_chart


@pytest.mark.parametrize(
    ("component", "startup", "liveness", "readiness"),
    [("api", "/api/health", "/api/health/live", "/api/health"), ("web", "/health", "/health", "/ready")],
)
def test_probe_paths_and_timings(component, startup, liveness, readiness):
    values = {component: {"livenessProbe": {"periodSeconds": 17, "failureThreshold": 4}}}
    c = container(
        get(render_chart(values, show_only=[f"{component}/deployment.yaml"]), "Deployment", component)
    )
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
    api = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "448Mi"}}
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


@pytest.mark.parametrize("component", ["api", "web"])
def test_rollout_and_shutdown_settings(component):
    values = {
        component: {
            "gracefulShutdownSeconds": 30,
            "preStopSleepSeconds": 10,
            "terminationGracePeriodSeconds": 45,
        }
    }
    deployment = get(
        render_chart(values, show_only=[f"{component}/deployment.yaml"]), "Deployment", component
    )
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    spec = pod_spec(deployment)
    assert spec["terminationGracePeriodSeconds"] == 45
    assert container(deployment)["lifecycle"]["preStop"] == {"exec": {"command": ["sleep", "10"]}}
    assert spec["automountServiceAccountToken"] is False


def test_grace_period_must_exceed_prestop_plus_shutdown():
    with pytest.raises(RenderError, match="terminationGracePeriodSeconds must exceed"):
        render_chart({"api": {"gracefulShutdownSeconds": 30, "terminationGracePeriodSeconds": 30}})


def test_topology_spread_gets_the_component_selector():
    constraint = {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule"}
    spec = pod_spec(
        get(
            render_chart(
                {"web": {"topologySpreadConstraints": [constraint]}}, show_only=["web/deployment.yaml"]
            ),
            "Deployment",
            "web",
        )
    )
    (rendered,) = spec["topologySpreadConstraints"]
    assert rendered["topologyKey"] == "kubernetes.io/hostname"
    assert rendered["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == "web"


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


def test_the_apps_keep_idle_connections_longer_than_an_ingress_pools_them():
    """ingress-nginx pools its connections to the pods for 60 s, this repo's local ingress too: the apps keep an
    idle one longer, so none is closed under a request (a lost POST, a 502)."""
    defaults = render_chart({})
    assert int(get(defaults, "ConfigMap", "api")["data"]["TRIBOKA_KEEP_ALIVE_SECONDS"]) > 60
    assert int(get(defaults, "ConfigMap", "web")["data"]["TRIBOKA_WEB_KEEP_ALIVE_SECONDS"]) > 60
    tuned = render_chart({"api": {"keepAliveSeconds": 650}, "web": {"keepAliveSeconds": 620}})
    assert get(tuned, "ConfigMap", "api")["data"]["TRIBOKA_KEEP_ALIVE_SECONDS"] == "650"
    assert get(tuned, "ConfigMap", "web")["data"]["TRIBOKA_WEB_KEEP_ALIVE_SECONDS"] == "620"
    with pytest.raises(RenderError, match="keepAliveSeconds"):
        render_chart({"api": {"keepAliveSeconds": 0}})


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
