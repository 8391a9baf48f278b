"""Render tests of the replicated in-chart PostgreSQL (`postgresql.ha`, templates/postgresql-ha/): what replaces
the single instance, how the Services follow Patroni's role labels, the RBAC Patroni gets (and nothing more), and
that Patroni itself accepts the configuration the chart writes."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from chart_render import CHART, RELEASE, REPO, RenderError, env_of, find, get, pod_spec, render_chart

FULLNAME = f"{RELEASE}-triboka"
SCOPE = f"{FULLNAME}-postgresql"
HA_VALUES = CHART / "ci" / "postgresql-ha-values.yaml"
HA = {"postgresql": {"ha": {"enabled": True}}}
PATRONI = REPO / ".venv" / "bin" / "patroni"


def by_name(objects, kind, name):
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def patroni_config(objects):
    return yaml.safe_load(by_name(objects, "ConfigMap", f"{SCOPE}-patroni")["data"]["patroni.yml"])


def members(objects):
    return by_name(objects, "StatefulSet", SCOPE)


def selects(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


def test_off_by_default_the_single_instance_stays():
    objects = render_chart()
    statefulset = get(objects, "StatefulSet", "postgresql")
    assert statefulset["spec"]["replicas"] == 1
    assert pod_spec(statefulset)["containers"][0]["image"] == "postgres:15"
    assert not [
        o for o in objects if o["kind"] in ("Role", "ConfigMap") and "postgresql" in o["metadata"]["name"]
    ]
    secret = get(objects, "Secret", "secrets")
    assert "db-replication-password" not in secret["data"]
    backup_env = env_of(pod_spec(get(objects, "CronJob", "backup"))["containers"][0])
    assert "TRIBOKA_BACKUP_DATABASE_REPLICA_HOST" not in backup_env


def test_ha_replaces_the_single_instance_with_patroni_members():
    objects = render_chart(HA)
    statefulsets = find(objects, "StatefulSet", "postgresql")
    assert [s["metadata"]["name"] for s in statefulsets] == [SCOPE]
    spec = members(objects)["spec"]
    assert spec["replicas"] == 3
    assert spec["podManagementPolicy"] == "Parallel"
    assert spec["updateStrategy"] == {"type": "RollingUpdate"}
    pod = pod_spec(members(objects))
    (container,) = pod["containers"]
    assert container["image"] == "triboka-postgres-ha:15"
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {
        "postgresql": 5432,
        "patroni": 8008,
    }
    assert pod["serviceAccountName"] == SCOPE
    assert pod["automountServiceAccountToken"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert {m["mountPath"] for m in container["volumeMounts"]} == {
        "/var/lib/postgresql/data",
        "/etc/patroni",
        "/var/run/postgresql",
        "/tmp",
    }
    # the database's name, size and class come from the shared postgresql values
    claim = spec["volumeClaimTemplates"][0]["spec"]
    assert claim["resources"]["requests"]["storage"] == "8Gi"


def test_patroni_environment_and_credentials():
    objects = render_chart(HA)
    env = env_of(pod_spec(members(objects))["containers"][0])
    assert env["PATRONI_SCOPE"] == SCOPE
    assert env["PATRONI_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["PATRONI_KUBERNETES_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    assert env["PATRONI_POSTGRESQL_CONNECT_ADDRESS"] == "$(POD_IP):5432"
    assert env["PATRONI_RESTAPI_CONNECT_ADDRESS"] == "$(POD_IP):8008"
    assert env["PATRONI_SUPERUSER_USERNAME"] == "triboka"
    assert env["POSTGRES_DB"] == "triboka"
    assert env["PATRONI_SUPERUSER_PASSWORD"] == {"secretKeyRef": {"name": FULLNAME, "key": "db-password"}}
    assert env["PATRONI_REPLICATION_USERNAME"] == "replicator"
    assert env["PATRONI_REPLICATION_PASSWORD"] == {
        "secretKeyRef": {"name": FULLNAME, "key": "db-replication-password"}
    }
    data = get(objects, "Secret", "secrets")["data"]
    replication = base64.b64decode(data["db-replication-password"])
    assert len(replication) == 32
    assert replication != base64.b64decode(data["db-password"])


def test_probes_ask_patronis_rest_api():
    container = pod_spec(members(render_chart(HA)))["containers"][0]
    assert container["livenessProbe"]["httpGet"] == {"path": "/liveness", "port": "patroni", "scheme": "HTTP"}
    assert container["startupProbe"]["httpGet"]["path"] == "/liveness"
    assert container["readinessProbe"]["httpGet"] == {
        "path": "/readiness",
        "port": "patroni",
        "scheme": "HTTP",
    }
    assert container["readinessProbe"]["periodSeconds"] == 2


def test_primary_service_follows_the_leader_label_and_keeps_the_database_host():
    objects = render_chart(HA)
    pod_labels = members(objects)["spec"]["template"]["metadata"]["labels"]
    primary = by_name(objects, "Service", SCOPE)["spec"]
    replicas = by_name(objects, "Service", f"{SCOPE}-replicas")["spec"]
    assert primary["selector"]["role"] == "primary"
    assert replicas["selector"]["role"] == "replica"
    for spec in (primary, replicas):
        # the same member once it is labelled: everything but the role comes from the pod template
        assert selects({k: v for k, v in spec["selector"].items() if k != "role"}, pod_labels)
        assert spec["ports"] == [
            {"name": "postgresql", "port": 5432, "targetPort": "postgresql", "protocol": "TCP"}
        ]
    # the API, its migrations and the backup keep one database host: the primary Service
    api_config = get(objects, "ConfigMap", "api")["data"]
    assert api_config["TRIBOKA_DATABASE_HOST"] == SCOPE
    # the backup dumps from a replica when one answers (the CronJob and the pre-upgrade hook alike)
    for job in (get(objects, "CronJob", "backup"), by_name(objects, "Job", f"{FULLNAME}-backup-pre-upgrade")):
        backup_env = env_of(pod_spec(job)["containers"][0])
        assert backup_env["TRIBOKA_BACKUP_DATABASE_HOST"] == SCOPE
        assert backup_env["TRIBOKA_BACKUP_DATABASE_REPLICA_HOST"] == f"{SCOPE}-replicas"


def test_patroni_selects_its_members_by_labels_the_pods_carry():
    objects = render_chart(HA)
    config = patroni_config(objects)
    k8s = config["kubernetes"]
    assert k8s["use_endpoints"] is False
    assert (k8s["role_label"], k8s["leader_label_value"], k8s["follower_label_value"]) == (
        "role",
        "primary",
        "replica",
    )
    pod_labels = members(objects)["spec"]["template"]["metadata"]["labels"]
    assert selects({**k8s["labels"], k8s["scope_label"]: SCOPE}, pod_labels)
    # another release's members never match: the scope names the release
    assert "app.kubernetes.io/instance" not in k8s["labels"]


def test_synchronous_mode_on_by_default_and_a_value():
    dcs = patroni_config(render_chart(HA))["bootstrap"]["dcs"]
    assert dcs["synchronous_mode"] is True
    assert (dcs["ttl"], dcs["loop_wait"], dcs["retry_timeout"]) == (30, 10, 10)
    assert dcs["maximum_lag_on_failover"] == 1048576
    assert dcs["postgresql"] == {"use_pg_rewind": True, "use_slots": True}
    off = render_chart({"postgresql": {"ha": {"enabled": True, "synchronousMode": False}}})
    assert patroni_config(off)["bootstrap"]["dcs"]["synchronous_mode"] is False


def test_postgresql_config_goes_to_patroni_and_rolls_the_members():
    def checksum(config):
        objects = render_chart({"postgresql": {"config": config, "ha": {"enabled": True}}})
        annotations = members(objects)["spec"]["template"]["metadata"]["annotations"]
        return annotations["checksum/patroni"], patroni_config(objects)["postgresql"]["parameters"]

    before, parameters = checksum({})
    assert parameters["hot_standby"] == "on"
    assert parameters["wal_log_hints"] == "on"
    after, parameters = checksum({"max_connections": "200", "wal_log_hints": "on"})
    assert parameters["max_connections"] == "200"
    assert before != after
    assert checksum({})[0] == before


def test_new_replicas_copy_the_leader_without_waiting_for_a_checkpoint():
    assert patroni_config(render_chart(HA))["postgresql"]["basebackup"] == [{"checkpoint": "fast"}]


def test_pg_hba_lets_only_the_replication_role_replicate():
    hba = patroni_config(render_chart(HA))["postgresql"]["pg_hba"]
    assert "host replication replicator all scram-sha-256" in hba
    assert all("trust" not in line for line in hba)


def test_rbac_is_what_patroni_needs_in_its_namespace_only():
    objects = render_chart(HA)
    assert not find(objects, "ClusterRole")
    assert not find(objects, "ClusterRoleBinding")
    role = by_name(objects, "Role", SCOPE)
    rules = {tuple(r["resources"]): set(r["verbs"]) for r in role["rules"]}
    assert rules == {
        ("configmaps",): {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"},
        ("pods",): {"get", "list", "watch", "update", "patch"},
    }
    assert all(r["apiGroups"] == [""] for r in role["rules"])
    binding = by_name(objects, "RoleBinding", SCOPE)
    assert binding["roleRef"]["name"] == SCOPE
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": SCOPE, "namespace": "triboka"}]
    # the account's token is mounted only where it is used
    assert by_name(objects, "ServiceAccount", SCOPE)["automountServiceAccountToken"] is False


def test_pdb_keeps_all_but_one_member():
    objects = render_chart(HA)
    pdb = by_name(objects, "PodDisruptionBudget", SCOPE)["spec"]
    assert pdb["maxUnavailable"] == 1
    assert selects(pdb["selector"]["matchLabels"], members(objects)["spec"]["template"]["metadata"]["labels"])


@pytest.mark.parametrize("mode", ["preferred", "required"])
def test_members_spread_over_nodes(mode):
    objects = render_chart({"postgresql": {"ha": {"enabled": True, "podAntiAffinity": mode}}})
    pod = pod_spec(members(objects))
    anti = pod["affinity"]["podAntiAffinity"]
    if mode == "required":
        (term,) = anti["requiredDuringSchedulingIgnoredDuringExecution"]
    else:
        (weighted,) = anti["preferredDuringSchedulingIgnoredDuringExecution"]
        term = weighted["podAffinityTerm"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    labels = members(objects)["spec"]["template"]["metadata"]["labels"]
    assert selects(term["labelSelector"]["matchLabels"], labels)
    (spread,) = pod["topologySpreadConstraints"]
    assert spread["topologyKey"] == "topology.kubernetes.io/zone"
    assert selects(spread["labelSelector"]["matchLabels"], labels)


def test_network_policy_lets_members_replicate_and_reach_the_kubernetes_api():
    objects = render_chart(values_files=(HA_VALUES,))
    (policy,) = find(objects, "NetworkPolicy", "postgresql")
    spec = policy["spec"]
    member = {"podSelector": {"matchLabels": get_selector(objects)}}
    clients, peers = spec["ingress"]
    assert {p["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for p in clients["from"]} == {
        "api",
        "migrations",
        "backup",
    }
    assert [p["port"] for p in clients["ports"]] == [5432]
    assert peers["from"] == [member]
    assert [p["port"] for p in peers["ports"]] == [5432, 8008]
    to_members, kube_api = spec["egress"]
    assert to_members["to"] == [member]
    assert [p["port"] for p in to_members["ports"]] == [5432, 8008]
    assert kube_api["to"] == [{"ipBlock": {"cidr": "10.0.0.1/32"}}]
    assert [p["port"] for p in kube_api["ports"]] == [443, 6443]


def get_selector(objects):
    return members(objects)["spec"]["selector"]["matchLabels"]


@pytest.mark.parametrize(
    "ha",
    [
        {"replicas": 1},
        {"podAntiAffinity": "sometimes"},
        {"restApiPort": 5432},
        {"ttl": 5},
        {"replicationUsername": "Robert'); DROP"},
        {"unknown": True},
    ],
    ids=["one-member", "anti-affinity", "port-clash", "ttl", "role-name", "unknown-key"],
)
def test_schema_refuses_bad_ha_values(ha):
    with pytest.raises(RenderError, match="values don't meet the specifications of the schema"):
        render_chart({"postgresql": {"ha": {"enabled": True, **ha}}})


@pytest.mark.parametrize("k8s_version", ["1.29.0", kubernetes_validate.utils.latest_version()])
def test_every_ha_object_validates_strictly(k8s_version):
    for obj in render_chart(HA):
        kubernetes_validate.validate(obj, k8s_version, strict=True)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(not PATRONI.is_file(), reason="Patroni is not in .venv (`make venv` installs it)")
@pytest.mark.skipif(
    not Path("/usr/lib/postgresql/15/bin/postgres").is_file(),
    reason="PostgreSQL 15 is not installed (`make postgres`): Patroni validates its binaries",
)
def test_patroni_accepts_the_rendered_configuration(tmp_path):
    """`patroni --validate-config` with the pod's environment; the listen ports are moved to free ones, as
    Patroni also checks that they are free on this machine."""
    config = patroni_config(render_chart(HA))
    config["restapi"]["listen"] = f"127.0.0.1:{_free_port()}"
    config["postgresql"]["listen"] = f"127.0.0.1:{_free_port()}"
    path = tmp_path / "patroni.yml"
    path.write_text(yaml.safe_dump(config))
    container = pod_spec(members(render_chart(HA)))["containers"][0]
    env = {k: v for k, v in env_of(container).items() if isinstance(v, str)}
    env = {k: v.replace("$(POD_IP)", "10.244.0.7") for k, v in env.items()}
    env |= {
        "PATH": os.environ["PATH"],
        "PATRONI_NAME": "member-0",
        "PATRONI_KUBERNETES_NAMESPACE": "triboka",
        "PATRONI_SUPERUSER_PASSWORD": "secret",
        "PATRONI_REPLICATION_PASSWORD": "secret2",
        "PATRONI_POSTGRESQL_BIN_DIR": "/usr/lib/postgresql/15/bin",
        "PATRONI_POSTGRESQL_DATA_DIR": str(tmp_path / "pgdata"),
        "PATRONI_POSTGRESQL_PGPASS": str(tmp_path / "pgpass"),
    }
    proc = subprocess.run(
        [str(PATRONI), "--validate-config", str(path)], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # and it fails on a broken one, so the check means something
    config["bootstrap"]["dcs"]["ttl"] = "soon"
    path.write_text(yaml.safe_dump(config))
    proc = subprocess.run(
        [str(PATRONI), "--validate-config", str(path)], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode != 0
