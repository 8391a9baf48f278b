"""The two object stores every upload test runs on (a directory and a real S3, SeaweedFS), and what is in them
as the store itself lists it. Test modules take conftest's `store_kind` fixture and build their settings with
`store_settings`."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from triboka_api.settings import Settings

from tests.support.seaweedfs import S3Endpoint


def store_settings(
    fresh_database: Any,
    store_kind: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
    **overrides: Any,
) -> Settings:
    """A fresh database's settings on the store `store_kind` (a new directory or bucket each)."""
    if store_kind == "filesystem":
        return fresh_database(file_store_path=tmp_path_factory.mktemp("files"), **overrides)
    server: S3Endpoint = request.getfixturevalue("seaweedfs")
    bucket = f"files-{uuid.uuid4().hex[:8]}"
    server.client().create_bucket(Bucket=bucket)
    return fresh_database(
        file_store="s3",
        s3_endpoint_url=server.endpoint,
        s3_bucket=bucket,
        s3_access_key_id=server.access_key,
        s3_secret_access_key=server.secret_key,
        **overrides,
    )


def _client(settings: Settings) -> Any:
    return S3Endpoint(
        settings.s3_endpoint_url,
        settings.s3_access_key_id.get_secret_value(),
        settings.s3_secret_access_key.get_secret_value(),
    ).client()


def stored_keys(settings: Settings) -> list[str]:
    """Every object in the store, as the store's own listing has it."""
    if settings.file_store == "filesystem":
        root = Path(settings.file_store_path)
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    listed = _client(settings).list_objects_v2(Bucket=settings.s3_bucket)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def drop_object(settings: Settings, key: str) -> None:
    if settings.file_store == "filesystem":
        (Path(settings.file_store_path) / key).unlink()
    else:
        _client(settings).delete_object(Bucket=settings.s3_bucket, Key=key)
