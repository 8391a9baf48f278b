"""The one settings object: environment variables `TRIBOKA_BACKUP_*`, overridden by matching CLI flags."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from triboka_backup.database_url import DatabaseSource, PostgresSource, parse_database_url
from triboka_backup.errors import ConfigError
from triboka_backup.retention import RetentionPolicy

ENV_PREFIX = "TRIBOKA_BACKUP_"
MIN_S3_PART_SIZE = 5 * 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    database_url: SecretStr | None = Field(
        None, description="postgresql://, postgresql+asyncpg://, sqlite:///"
    )
    database_host: str | None = Field(None, description="PostgreSQL host (instead of a URL)")
    database_port: int = Field(5432, ge=1, le=65535, description="PostgreSQL port")
    database_name: str | None = Field(None, description="PostgreSQL database name")
    database_user: str | None = Field(None, description="PostgreSQL user")
    database_password: SecretStr | None = Field(None, description="PostgreSQL password")
    database_replica_host: str | None = Field(
        None, description="a read-only replica to dump from when it answers (else the primary)"
    )
    pg_bin_dir: Path | None = Field(
        None, description="directory of pg_dump/pg_restore (default /usr/lib/postgresql/<server major>/bin)"
    )
    target_dir: Path = Field(Path("/backups"), description="backup directory (the CronJob's volume)")
    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint, e.g. https://host:9000")
    s3_bucket: str | None = Field(None, description="bucket for the second copy")
    s3_prefix: str = Field("", description="key prefix inside the bucket")
    s3_access_key_id: SecretStr | None = Field(None, description="S3 access key id")
    s3_secret_access_key: SecretStr | None = Field(None, description="S3 secret access key")
    s3_region: str = Field("us-east-1", description="S3 region")
    s3_part_size: int = Field(
        64 * 1024 * 1024, ge=MIN_S3_PART_SIZE, description="multipart part size (bytes)"
    )
    encryption_key: SecretStr | None = Field(None, description="base64 of 32 bytes: AES-256-GCM client-side")
    keep_hourly: int = Field(24, ge=0, description="hourly backups to keep")
    keep_daily: int = Field(7, ge=0, description="daily backups to keep")
    keep_weekly: int = Field(4, ge=0, description="weekly (ISO week) backups to keep")
    keep_monthly: int = Field(3, ge=0, description="monthly backups to keep")
    static_dir: Path | None = Field(None, description="static/upload directory to include")
    files_dir: Path | None = Field(
        None, description="the API's file store directory (TRIBOKA_FILE_STORE_PATH) to include as files.tar"
    )
    files_s3_endpoint_url: str | None = Field(None, description="S3 endpoint of the API's file store bucket")
    files_s3_bucket: str | None = Field(
        None, description="the API's file store bucket: every run checks that it is versioned (not copied)"
    )
    files_s3_access_key_id: SecretStr | None = Field(
        None, description="access key id for the file store bucket"
    )
    files_s3_secret_access_key: SecretStr | None = Field(
        None, description="secret key for the file store bucket"
    )
    files_s3_region: str = Field("us-east-1", description="region of the file store bucket")
    kube_namespace: str | None = Field(None, description="namespace of the release (default: the pod's)")
    release: str | None = Field(None, description="Helm release: app.kubernetes.io/instance label")
    secret_names: str = Field(
        "", description="comma-separated Secrets of the release saved (by name) when backups are encrypted"
    )
    app_version: str = Field("unknown", description="Triboka release version recorded in the manifest")
    metrics_file: Path | None = Field(
        None, description="Prometheus text file (default <target-dir>/metrics.prom)"
    )
    lock_stale_seconds: int = Field(6 * 3600, ge=60, description="age after which a lock is presumed stale")
    progress_interval_seconds: float = Field(10.0, gt=0, description="seconds between progress log lines")

    @field_validator("encryption_key")
    @classmethod
    def _key_is_32_bytes(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                raw = base64.b64decode(value.get_secret_value(), validate=True)
            except binascii.Error as exc:
                raise ValueError("must be base64") from exc
            if len(raw) != 32:
                raise ValueError(f"must decode to 32 bytes, got {len(raw)}")
        return value

    @model_validator(mode="after")
    def _one_way_to_name_the_database(self) -> Settings:
        components = [self.database_host, self.database_name, self.database_user, self.database_password]
        if self.database_url is not None and any(c is not None for c in components):
            raise ValueError("set either DATABASE_URL or the DATABASE_HOST/_NAME/... components, not both")
        s3 = [self.s3_bucket, self.s3_endpoint_url]
        if any(s3) and not all(s3):
            raise ValueError("S3 needs both S3_ENDPOINT_URL and S3_BUCKET")
        files_s3 = [self.files_s3_bucket, self.files_s3_endpoint_url]
        if any(files_s3) and not all(files_s3):
            raise ValueError("the file store bucket needs both FILES_S3_ENDPOINT_URL and FILES_S3_BUCKET")
        return self

    @property
    def key_bytes(self) -> bytes | None:
        return base64.b64decode(self.encryption_key.get_secret_value()) if self.encryption_key else None

    @property
    def retention(self) -> RetentionPolicy:
        return RetentionPolicy(
            hourly=self.keep_hourly, daily=self.keep_daily, weekly=self.keep_weekly, monthly=self.keep_monthly
        )

    @property
    def secret_name_list(self) -> list[str]:
        return [name.strip() for name in self.secret_names.split(",") if name.strip()]

    @property
    def metrics_path(self) -> Path:
        return self.metrics_file or self.target_dir / "metrics.prom"

    def database(self) -> DatabaseSource:
        if self.database_url is not None:
            return parse_database_url(self.database_url.get_secret_value())
        if self.database_name is None:
            raise ConfigError(
                f"no database configured: set {ENV_PREFIX}DATABASE_URL or {ENV_PREFIX}DATABASE_NAME "
                f"(with _HOST/_PORT/_USER/_PASSWORD)"
            )
        return PostgresSource(
            host=self.database_host or "127.0.0.1",
            port=self.database_port,
            name=self.database_name,
            user=self.database_user,
            password=self.database_password,
        )


def load_settings(overrides: dict[str, Any]) -> Settings:
    """Build the settings; a bad value becomes a ConfigError naming the variable and the flag."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            where = f"{ENV_PREFIX}{field.upper()} / --{field.replace('_', '-')}: " if field else ""
            problems.append(f"{where}{error['msg']}")
        raise ConfigError("invalid configuration: " + "; ".join(problems)) from None
