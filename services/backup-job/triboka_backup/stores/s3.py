"""Backups as objects in an S3-compatible bucket: data files first, the manifest last as the commit marker.

Every object is written with `If-None-Match: *`, so an existing key is never overwritten: the server refuses
the write (412), also when another writer got there first. Large files go up as multipart uploads that are
completed or aborted, never left pending; a publish that fails removes what it had already put, so a
half-written backup is never listed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from triboka_backup.errors import ConfigError, StorageError
from triboka_backup.filesio import ReadStream
from triboka_backup.manifest import MANIFEST_NAME, Manifest, parse_manifest
from triboka_backup.stores import files_of

if TYPE_CHECKING:  # the stubs (types-boto3[s3]) are a development dependency, not in the image
    from types_boto3_s3 import S3Client
    from types_boto3_s3.type_defs import CompletedPartTypeDef

log = logging.getLogger("triboka_backup")
S3_FAILURES = (BotoCoreError, ClientError, OSError, ValueError)
# what S3 answers to a conditional write on a key that exists (412), or that another writer is completing (409)
REFUSED_OVERWRITE = {"PreconditionFailed", "ConditionalRequestConflict"}
MAX_PARTS = 10_000


def make_client(endpoint_url: str, access_key: str | None, secret_key: str | None, region: str) -> S3Client:
    parts = urlsplit(endpoint_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"S3 endpoint must be http(s)://host[:port], got {endpoint_url!r}")
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(
            s3={"addressing_style": "path"},
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=10,
            read_timeout=60,
        ),
    )


def _read_exactly(stream: BinaryIO, size: int, key: str) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise StorageError(f"upload of {key}: the source ended {size - len(data)} bytes early")
    return data


class S3Store:
    def __init__(self, client: S3Client, bucket: str, prefix: str, part_size: int) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.part_size = part_size
        self.name = f"s3://{bucket}/{self.prefix}"

    def key(self, backup_id: str, name: str) -> str:
        return f"{self.prefix}{backup_id}/{name}"

    def _objects(self, under: str = "") -> dict[str, int]:
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + under
            )
            return {obj["Key"]: obj.get("Size", 0) for page in pages for obj in page.get("Contents", [])}
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
    def open(self, backup_id: str, name: str) -> Iterator[ReadStream]:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key(backup_id, name))["Body"]
        except S3_FAILURES as exc:
            raise StorageError(f"cannot read {self.name}{backup_id}/{name}: {exc}") from exc
        try:
            yield body
        except S3_FAILURES as exc:
            raise StorageError(f"cannot read {self.name}{backup_id}/{name}: {exc}") from exc
        finally:
            body.close()

    def upload(self, key: str, stream: BinaryIO, length: int) -> None:
        """Write `length` bytes of `stream` to `key`, which must not exist yet (never overwritten)."""
        try:
            if length <= self.part_size:
                body = _read_exactly(stream, length, key)
                self.client.put_object(Bucket=self.bucket, Key=key, Body=body, IfNoneMatch="*")
            else:
                self._multipart(key, stream, length)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in REFUSED_OVERWRITE:
                raise StorageError(f"{key} already exists in {self.bucket}: not overwriting") from exc
            raise StorageError(f"upload of {key} to {self.bucket} failed: {exc}") from exc
        except S3_FAILURES as exc:
            raise StorageError(f"upload of {key} to {self.bucket} failed: {exc}") from exc

    def _multipart(self, key: str, stream: BinaryIO, length: int) -> None:
        """Completed, or aborted on any failure (interrupts included): never left pending in the bucket."""
        part_size = max(self.part_size, -(-length // MAX_PARTS))
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        completed = False
        try:
            parts: list[CompletedPartTypeDef] = []
            for number, offset in enumerate(range(0, length, part_size), start=1):
                body = _read_exactly(stream, min(part_size, length - offset), key)
                answer = self.client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
                )
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
                IfNoneMatch="*",
            )
            completed = True
        finally:
            if not completed:
                self._abort(key, upload_id)

    def _abort(self, key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except S3_FAILURES as exc:
            log.error(
                "cannot abort the multipart upload of %s: %s",
                key,
                exc,
                extra={"event": "abort_failed", "key": key, "upload_id": upload_id},
            )

    def publish(self, folder: Path, backup_id: str) -> None:
        # Fails fast (before uploading gigabytes) and names a missing bucket; the conditional writes in
        # `upload` are what guarantees no overwrite, also against a writer that starts after this check.
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
                self.client.delete_object(Bucket=self.bucket, Key=key)
            except S3_FAILURES as exc:
                if strict:
                    raise StorageError(f"cannot delete {key} from {self.bucket}: {exc}") from exc
                log.error(
                    "cannot remove %s after a failed upload: %s", key, exc, extra={"event": "cleanup_failed"}
                )
