"""Render tests of charts/triboka: Redis, the API's rate-limit store: in-chart or external."""

from __future__ import annotations

import base64

import pytest
from chart_render import (
    FULLNAME,
    REDIS,
    REDIS_EXTERNAL,
    RenderError,
    container,
    env_of,
    find,
    get,
    pod_spec,
    render_chart,
)


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
