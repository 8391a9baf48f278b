"""Render tests of charts/triboka: the chart's Secret and Secrets referenced by name."""

from __future__ import annotations

import base64

import pytest
from chart_render import EXTERNAL_DB, RenderError, container, env_of, find, get, pod_spec, render_chart


def test_generated_secret_is_a_hook_with_every_key():
    secret = get(
        render_chart({"secrets": {"adminPassword": "s3cret-admin"}}, show_only=["secret.yaml"]),
        "Secret",
        "secrets",
    )
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
    secret = get(render_chart(values, show_only=["secret.yaml"]), "Secret", "secrets")
    assert base64.b64decode(secret["data"]["db-password"]) == b"pw"


def test_external_database_needs_a_host_and_a_password():
    with pytest.raises(RenderError, match=r"externalDatabase\.host is required"):
        render_chart({"postgresql": {"enabled": False}, "externalDatabase": {"password": "pw"}})
    with pytest.raises(RenderError, match=r"externalDatabase\.password or externalDatabase\.existingSecret"):
        render_chart({"postgresql": {"enabled": False}, "externalDatabase": {"host": "db"}})
