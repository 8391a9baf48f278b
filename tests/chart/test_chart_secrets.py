"""Render tests of charts/triboka: the chart's Secret and Secrets referenced by name."""

from __future__ import annotations

import base64

import pytest
from chart_render import EXTERNAL_DB, RenderError, container, env_of, find, get, pod_spec, render_chart
from triboka_api.settings import Settings


def test_generated_secret_is_a_hook_with_every_key():
    secret = get(
        render_chart({"secrets": {"adminPassword": "s3cret-admin"}}, show_only=["secret.yaml"]),
        "Secret",
        "secrets",
    )
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert set(data) == {
        "jwt-secret",
        "web-secret-key",
        "admin-password",
        "db-password",
        "encryption-keys",
    }  # no erp-credentials-key: only a release from before the key ring has one to carry over (Δ 197)
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


def _key_ring(values: dict) -> str:
    secret = get(render_chart(values, show_only=["secret.yaml"]), "Secret", "secrets")
    return base64.b64decode(secret["data"]["encryption-keys"]).decode()


def test_key_ring_is_generated_in_the_format_the_api_reads():
    generated = _key_ring({})
    key_id, _, key = generated.partition(":")
    assert key_id == "k1"
    assert len(base64.urlsafe_b64decode(key + "=")) == 32
    assert "=" not in key
    production = Settings(environment="production", jwt_secret="j" * 40, encryption_keys=generated)
    assert production.key_ring.current_id == "k1"  # the API accepts it, in production too
    assert _key_ring({}) != generated  # random per new release (an upgrade reads the live Secret back)
    given = "new:" + "B" * 43 + ",k1:" + "A" * 43
    assert _key_ring({"secrets": {"encryptionKeys": given}}) == given
    assert _key_ring({"secrets": {"didKeyEncryptionKey": given}}) == given  # the deprecated name


def test_key_ring_reaches_the_api_and_an_existing_secret_may_use_the_old_name():
    api = env_of(container(get(render_chart(), "Deployment", "api")))
    assert api["TRIBOKA_ENCRYPTION_KEYS"] == {
        "secretKeyRef": {"name": "rel-triboka", "key": "encryption-keys"}
    }
    assert "TRIBOKA_DID_KEY_ENCRYPTION_KEY" not in api
    existing = env_of(container(get(render_chart(values_files=(EXTERNAL_DB,)), "Deployment", "api")))
    assert existing["TRIBOKA_ENCRYPTION_KEYS"] == {
        "secretKeyRef": {"name": "triboka-app-secrets", "key": "encryption-keys", "optional": True}
    }
    assert existing["TRIBOKA_DID_KEY_ENCRYPTION_KEY"] == {
        "secretKeyRef": {"name": "triboka-app-secrets", "key": "did-key-encryption-key", "optional": True}
    }


@pytest.mark.parametrize("name", ["encryptionKeys", "didKeyEncryptionKey"])
@pytest.mark.parametrize("bad", ["k1", "k1:short", "k1:" + "A" * 44, "bad id:" + "A" * 43])
def test_malformed_key_ring_value_is_refused_by_the_schema(bad, name):
    with pytest.raises(RenderError, match=name):
        render_chart({"secrets": {name: bad}})


def test_external_database_password_value_goes_to_the_chart_secret():
    values = {"postgresql": {"enabled": False}, "externalDatabase": {"host": "db", "password": "pw"}}
    secret = get(render_chart(values, show_only=["secret.yaml"]), "Secret", "secrets")
    assert base64.b64decode(secret["data"]["db-password"]) == b"pw"


def test_external_database_needs_a_host_and_a_password():
    with pytest.raises(RenderError, match=r"externalDatabase\.host is required"):
        render_chart({"postgresql": {"enabled": False}, "externalDatabase": {"password": "pw"}})
    with pytest.raises(RenderError, match=r"externalDatabase\.password or externalDatabase\.existingSecret"):
        render_chart({"postgresql": {"enabled": False}, "externalDatabase": {"host": "db"}})


def test_erp_credentials_key_and_networks_reach_the_api():
    """ERP connections (S-60..S-67): the credentials key of releases before the key ring goes to the chart's
    Secret when given (the upgrade migration reads it), an existing Secret may hold it or not, a short key is
    refused by the schema, and the ERP networks reach the API's configuration and its NetworkPolicy."""
    given = "k" * 40
    secret = get(
        render_chart({"secrets": {"erpCredentialsKey": given}}, show_only=["secret.yaml"]),
        "Secret",
        "secrets",
    )
    assert base64.b64decode(secret["data"]["erp-credentials-key"]).decode() == given
    objects = render_chart()
    api = env_of(container(get(objects, "Deployment", "api")))
    assert api["TRIBOKA_ERP_CREDENTIALS_KEY"] == {
        "secretKeyRef": {"name": "rel-triboka", "key": "erp-credentials-key", "optional": True}
    }
    assert get(objects, "ConfigMap", "api")["data"]["TRIBOKA_ERP_ALLOWED_NETWORKS"] == ""
    external = env_of(container(get(render_chart(values_files=(EXTERNAL_DB,)), "Deployment", "api")))
    assert external["TRIBOKA_ERP_CREDENTIALS_KEY"] == {
        "secretKeyRef": {"name": "triboka-app-secrets", "key": "erp-credentials-key", "optional": True}
    }
    with pytest.raises(RenderError, match="erpCredentialsKey"):
        render_chart({"secrets": {"erpCredentialsKey": "short"}})
    egress = {"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}], "ports": [{"port": 443, "protocol": "TCP"}]}
    objects = render_chart(
        {
            "api": {"erpAllowedNetworks": ["10.20.0.0/16"]},
            "networkPolicy": {"enabled": True, "apiExtraEgress": [egress]},
        }
    )
    assert get(objects, "ConfigMap", "api")["data"]["TRIBOKA_ERP_ALLOWED_NETWORKS"] == "10.20.0.0/16"
    assert egress in get(objects, "NetworkPolicy", "api")["spec"]["egress"]
    with pytest.raises(RenderError, match="erpAllowedNetworks"):
        render_chart({"api": {"erpAllowedNetworks": ["not-a-network"]}})
