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
        "did-key-encryption-key",
    }
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


def _did_key(values: dict) -> str:
    secret = get(render_chart(values, show_only=["secret.yaml"]), "Secret", "secrets")
    return base64.b64decode(secret["data"]["did-key-encryption-key"]).decode()


def test_did_key_is_generated_in_the_format_the_api_reads():
    generated = _did_key({})
    key_id, _, key = generated.partition(":")
    assert key_id == "k1"
    assert len(base64.urlsafe_b64decode(key + "=")) == 32
    assert "=" not in key
    assert Settings(did_key_encryption_key=generated).did_key_ring.current_id == "k1"  # the API accepts it
    assert _did_key({}) != generated  # random per new release (an upgrade reads the live Secret back)
    given = "new:" + "B" * 43 + ",k1:" + "A" * 43
    assert _did_key({"secrets": {"didKeyEncryptionKey": given}}) == given


def test_did_key_reaches_the_api_and_is_optional_in_an_existing_secret():
    api = env_of(container(get(render_chart(), "Deployment", "api")))
    assert api["TRIBOKA_DID_KEY_ENCRYPTION_KEY"] == {
        "secretKeyRef": {"name": "rel-triboka", "key": "did-key-encryption-key"}
    }
    existing = env_of(container(get(render_chart(values_files=(EXTERNAL_DB,)), "Deployment", "api")))
    assert existing["TRIBOKA_DID_KEY_ENCRYPTION_KEY"] == {
        "secretKeyRef": {"name": "triboka-app-secrets", "key": "did-key-encryption-key", "optional": True}
    }


@pytest.mark.parametrize("bad", ["k1", "k1:short", "k1:" + "A" * 44, "bad id:" + "A" * 43])
def test_malformed_did_key_value_is_refused_by_the_schema(bad):
    with pytest.raises(RenderError, match="didKeyEncryptionKey"):
        render_chart({"secrets": {"didKeyEncryptionKey": bad}})


def test_external_database_password_value_goes_to_the_chart_secret():
    values = {"postgresql": {"enabled": False}, "externalDatabase": {"host": "db", "password": "pw"}}
    secret = get(render_chart(values, show_only=["secret.yaml"]), "Secret", "secrets")
    assert base64.b64decode(secret["data"]["db-password"]) == b"pw"


def test_external_database_needs_a_host_and_a_password():
    with pytest.raises(RenderError, match=r"externalDatabase\.host is required"):
        render_chart({"postgresql": {"enabled": False}, "externalDatabase": {"password": "pw"}})
    with pytest.raises(RenderError, match=r"externalDatabase\.password or externalDatabase\.existingSecret"):
        render_chart({"postgresql": {"enabled": False}, "externalDatabase": {"host": "db"}})
