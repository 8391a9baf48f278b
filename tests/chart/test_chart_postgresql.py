"""Render tests of charts/triboka: the in-chart PostgreSQL (StatefulSet and Service)."""

from __future__ import annotations

from chart_render import EXTERNAL_DB, FULLNAME, container, env_of, find, get, pod_spec, render_chart

POSTGRESQL = ["postgresql/statefulset.yaml", "postgresql/service.yaml"]


def test_in_chart_postgresql_statefulset():
    values = {"postgresql": {"config": {"max_connections": "200"}, "persistence": {"size": "20Gi"}}}
    objects = render_chart(values, show_only=POSTGRESQL)
    statefulset = get(objects, "StatefulSet", "postgresql")
    assert statefulset["spec"]["replicas"] == 1
    assert statefulset["spec"]["serviceName"] == f"{FULLNAME}-postgresql"
    (claim,) = statefulset["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "20Gi"
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    spec = pod_spec(statefulset)
    assert spec["automountServiceAccountToken"] is False
    assert spec["terminationGracePeriodSeconds"] == 60
    c = container(statefulset)
    assert c["args"] == ["-c", "max_connections=200"]
    assert c["ports"] == [{"name": "postgresql", "containerPort": 5432, "protocol": "TCP"}]
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert "pg_isready" in c[probe]["exec"]["command"][-1]
    assert c["livenessProbe"]["periodSeconds"] == 15


def test_in_chart_postgresql_password_comes_from_the_chart_secret():
    c = container(get(render_chart(show_only=POSTGRESQL), "StatefulSet", "postgresql"))
    env = env_of(c)
    assert (env["POSTGRES_USER"], env["POSTGRES_DB"]) == ("triboka", "triboka")
    assert env["POSTGRES_PASSWORD"] == {"secretKeyRef": {"name": FULLNAME, "key": "db-password"}}
    assert all("value" not in e for e in c["env"] if e["name"] == "POSTGRES_PASSWORD")


def test_in_chart_postgresql_service_is_what_the_api_connects_to():
    objects = render_chart(show_only=[*POSTGRESQL, "api/configmap.yaml"])
    service = get(objects, "Service", "postgresql")
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"] == [
        {"name": "postgresql", "port": 5432, "targetPort": "postgresql", "protocol": "TCP"}
    ]
    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "postgresql"
    config = get(objects, "ConfigMap", "api")["data"]
    assert (config["TRIBOKA_DATABASE_HOST"], config["TRIBOKA_DATABASE_PORT"]) == (
        f"{FULLNAME}-postgresql",
        "5432",
    )


def test_no_in_chart_postgresql_with_an_external_database():
    objects = render_chart(values_files=(EXTERNAL_DB,))
    assert find(objects, "StatefulSet", "postgresql") == []
    assert find(objects, "Service", "postgresql") == []
