"""The API's S3 file store is not copied into backups: its protection is the bucket's versioning (deleted and
overwritten objects stay as older versions). Every run checks that it is on, after the database backup is safe."""

from __future__ import annotations

import logging

from triboka_backup.errors import StorageError
from triboka_backup.settings import Settings

log = logging.getLogger("triboka_backup")


def check_versioned(settings: Settings) -> None:
    """Raise StorageError (exit 4) unless the configured file store bucket has versioning Enabled."""
    bucket, endpoint = settings.files_s3_bucket, settings.files_s3_endpoint_url
    if bucket is None or endpoint is None:
        return
    # imported here, as for the backup bucket: only runs with S3 configured pay for boto3
    from triboka_backup.stores.s3 import S3_FAILURES, make_client

    key_id, secret = settings.files_s3_access_key_id, settings.files_s3_secret_access_key
    client = make_client(
        endpoint,
        key_id.get_secret_value() if key_id else None,
        secret.get_secret_value() if secret else None,
        settings.files_s3_region,
    )
    try:
        status: str = client.get_bucket_versioning(Bucket=bucket).get("Status", "never enabled")
    except S3_FAILURES as exc:
        raise StorageError(f"cannot read the versioning of the file store bucket {bucket}: {exc}") from None
    if status != "Enabled":
        raise StorageError(
            f"file store bucket {bucket} is not versioned (versioning {status}): deleted or "
            "overwritten deal files cannot be recovered; turn bucket versioning on"
        )
    log.info(
        "file store bucket %s is versioned",
        bucket,
        extra={"event": "files_bucket_versioned", "bucket": bucket},
    )
