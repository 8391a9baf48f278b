"""Files as objects in an S3-compatible bucket (boto3, as the backup job). boto3 blocks, so every call runs in a
worker thread; downloads are read in chunks from the object's stream, never whole into memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, BinaryIO

import boto3
from anyio import to_thread
from botocore.config import Config
from botocore.exceptions import ClientError

from triboka_api.settings import Settings
from triboka_api.storage import CHUNK_BYTES, StoredFileMissingError, checked_key

if TYPE_CHECKING:  # the stubs (types-boto3[s3]) are a development dependency, not in the image
    from types_boto3_s3 import S3Client

_MISSING = {"NoSuchKey", "404", "NotFound"}


def s3_client(settings: Settings) -> S3Client:
    def secret(value: Any) -> str | None:
        return value.get_secret_value() if value is not None else None

    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=secret(settings.s3_access_key_id),
        aws_secret_access_key=secret(settings.s3_secret_access_key),
        config=Config(
            s3={"addressing_style": "path"},
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=10,
            read_timeout=60,
        ),
    )


class S3FileStore:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self.client, self.bucket = client, bucket

    @classmethod
    def from_settings(cls, settings: Settings) -> S3FileStore:
        assert settings.s3_bucket is not None  # Settings refuse s3 without a bucket
        return cls(s3_client(settings), settings.s3_bucket)

    async def put(self, key: str, source: BinaryIO) -> None:
        source.seek(0)
        await to_thread.run_sync(lambda: self.client.upload_fileobj(source, self.bucket, checked_key(key)))

    async def read(self, key: str) -> AsyncIterator[bytes]:
        try:
            response = await to_thread.run_sync(
                lambda: self.client.get_object(Bucket=self.bucket, Key=checked_key(key))
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise StoredFileMissingError(key) from exc
            raise
        body = response["Body"]
        try:
            while chunk := await to_thread.run_sync(body.read, CHUNK_BYTES):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        await to_thread.run_sync(lambda: self.client.delete_object(Bucket=self.bucket, Key=checked_key(key)))
