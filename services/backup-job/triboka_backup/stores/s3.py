"""Backups as objects in an S3-compatible bucket: data files first, the manifest last as the commit marker.

Large files go up as multipart uploads; the client aborts an upload that fails, and a publish that fails
removes what it had already put, so a half-written backup is never listed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from minio import Minio
from minio.error import MinioException
from urllib3.exceptions import HTTPError

from triboka_backup.errors import ConfigError, StorageError
from triboka_backup.filesio import read_chunks
from triboka_backup.manifest import MANIFEST_NAME, Manifest, parse_manifest
from triboka_backup.stores import files_of

log = logging.getLogger("triboka_backup")
S3_FAILURES = (MinioException, HTTPError, OSError, ValueError)


def make_client(endpoint_url: str, access_key: str | None, secret_key: str | None, region: str) -> Minio:
    parts = urlsplit(endpoint_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"S3 endpoint must be http(s)://host[:port], got {endpoint_url!r}")
    return Minio(
        parts.netloc,
        access_key=access_key,
        secret_key=secret_key,
        region=region,
        secure=parts.scheme == "https",
    )


class S3Store:
    def __init__(self, client: Minio, bucket: str, prefix: str, part_size: int) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.part_size = part_size
        self.name = f"s3://{bucket}/{self.prefix}"

    def key(self, backup_id: str, name: str) -> str:
        return f"{self.prefix}{backup_id}/{name}"

    def _objects(self, under: str = "") -> dict[str, int]:
        try:
            return {
                obj.object_name: obj.size or 0
                for obj in self.client.list_objects(self.bucket, prefix=self.prefix + under, recursive=True)
                if obj.object_name is not None
            }
        except S3_FAILURES as exc:
            raise StorageError(f"cannot list {self.name}: {exc}") from exc

    def backup_ids(self) -> list[str]:
        suffix = f"/{MANIFEST_NAME}"
        ids = {key[len(self.prefix) : -len(suffix)] for key in self._objects() if key.endswith(suffix)}
        return sorted(i for i in ids if "/" not in i)

    def read_manifest(self, backup_id: str) -> Manifest:
        with self.open(backup_id, MANIFEST_NAME) as stream:
            raw = stream.read()
        return parse_manifest(raw, f"{self.name}{backup_id}")

    def sizes(self, backup_id: str) -> dict[str, int]:
        start = len(self.prefix) + len(backup_id) + 1
        return {key[start:]: size for key, size in self._objects(f"{backup_id}/").items()}

    @contextmanager
    def open(self, backup_id: str, name: str) -> Iterator[BinaryIO]:
        try:
            response = self.client.get_object(self.bucket, self.key(backup_id, name))
        except S3_FAILURES as exc:
            raise StorageError(f"cannot read {self.name}{backup_id}/{name}: {exc}") from exc
        try:
            yield response  # type: ignore[misc]
        except S3_FAILURES as exc:
            raise StorageError(f"cannot read {self.name}{backup_id}/{name}: {exc}") from exc
        finally:
            response.close()
            response.release_conn()

    def local_path(self, backup_id: str, name: str, scratch: Path) -> Path:
        target = scratch / name
        with self.open(backup_id, name) as stream, target.open("wb") as handle:
            for chunk in read_chunks(stream):
                handle.write(chunk)
        return target

    def upload(self, key: str, stream: BinaryIO, length: int) -> None:
        try:
            self.client.put_object(self.bucket, key, stream, length, part_size=self.part_size)
        except S3_FAILURES as exc:
            raise StorageError(f"upload of {key} to {self.bucket} failed: {exc}") from exc

    def publish(self, folder: Path, backup_id: str) -> None:
        if self._objects(f"{backup_id}/"):
            raise StorageError(f"backup {backup_id} already exists in {self.name}: not overwriting")
        uploaded: list[str] = []
        try:
            for path in files_of(folder):
                key = self.key(backup_id, path.name)
                with path.open("rb") as stream:
                    self.upload(key, stream, path.stat().st_size)
                uploaded.append(key)
                log.info(
                    "uploaded %s", key, extra={"event": "uploaded", "key": key, "bytes": path.stat().st_size}
                )
        except BaseException:
            self._remove(uploaded)
            raise

    def delete(self, backup_id: str) -> None:
        """Manifest first: the backup stops being listed before its data goes."""
        keys = sorted(self._objects(f"{backup_id}/"), key=lambda k: not k.endswith(f"/{MANIFEST_NAME}"))
        self._remove(keys, strict=True)

    def _remove(self, keys: list[str], strict: bool = False) -> None:
        for key in keys:
            try:
                self.client.remove_object(self.bucket, key)
            except S3_FAILURES as exc:
                if strict:
                    raise StorageError(f"cannot delete {key} from {self.bucket}: {exc}") from exc
                log.error(
                    "cannot remove %s after a failed upload: %s", key, exc, extra={"event": "cleanup_failed"}
                )
