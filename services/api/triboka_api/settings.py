"""Service configuration, read once from `TRIBOKA_*` environment variables and validated at start-up."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Any

import limits
from pydantic import (
    AfterValidator,
    AliasChoices,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

from triboka_api.domain.key_ring import DEVELOPMENT_KEYS, KeyRing

DEVELOPMENT_JWT_SECRET = "triboka-development-secret-change-me"  # noqa: S105 - refused in production
MIN_PRODUCTION_SECRET_LENGTH = 32


def _rate_limit(value: str, info: ValidationInfo) -> str:
    """A rate such as `600/minute` or `10 per 1 second` (the `limits` notation), of at least one request."""
    name = f"TRIBOKA_{(info.field_name or '').upper()}"
    try:
        item = limits.parse(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {value!r} is not a rate such as '600/minute' ({exc})") from exc
    if item.amount < 1:
        raise ValueError(
            f"{name}: {value!r} allows no request (TRIBOKA_RATE_LIMIT_ENABLED=false turns limits off)"
        )
    return value


RateLimit = Annotated[str, AfterValidator(_rate_limit)]
Network = IPv4Network | IPv6Network
REDIS_SCHEMES = ("redis://", "rediss://")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class FileStoreKind(StrEnum):
    FILESYSTEM = "filesystem"
    S3 = "s3"


class Settings(BaseSettings):
    """Every knob of the API. Database access is either one URL or its components (as the chart passes them)."""

    # errors never echo a value: several settings are secrets (keys, passwords, URLs with credentials)
    model_config = SettingsConfigDict(
        env_prefix="TRIBOKA_", extra="ignore", hide_input_in_errors=True, populate_by_name=True
    )

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite+aiosqlite:///./var/triboka.db"
    database_host: str | None = None
    database_port: int = 5432
    database_name: str = "triboka"
    database_user: str = "triboka"
    database_password: SecretStr = SecretStr("")
    db_pool_size: int = Field(default=10, ge=1, le=200)
    # 0: under sustained load, overflow connections would be opened and closed per request (a PostgreSQL
    # backend fork, or an aiosqlite thread, each); requests queue for a pooled connection instead
    db_max_overflow: int = Field(default=0, ge=0, le=200)
    # how long a request waits for a free connection before it is answered 503
    db_pool_timeout_seconds: float = Field(default=30, gt=0, le=300)
    # a connection attempt to an address that vanished (a restarted database pod) fails after this, not after
    # asyncpg's 60 s: a hung attempt holds a pool slot, so readiness would stay red long after the database is back
    db_connect_timeout_seconds: float = Field(default=5, gt=0, le=300)
    # the health endpoint answers 503 when `SELECT 1` takes longer (below the chart's probe timeout of 3 s)
    health_check_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_JWT_SECRET)
    jwt_lifetime_seconds: int = Field(default=604800, gt=0)
    cors_origins: Annotated[list[str], NoDecode] = []
    log_level: str = Field(default="INFO", pattern="^(?i)(debug|info|warning|error|critical)$")
    graceful_shutdown_seconds: int = Field(default=20, ge=0)
    # an idle HTTP connection is kept this long: longer than the proxies in front keep theirs pooled (ingress-nginx
    # and most load balancers 60 s, Go's and Traefik's 90 s), else a request sent on a connection uvicorn is
    # closing is lost (a 502 for a POST, which proxies do not resend); uvicorn's own default is 5 s
    keep_alive_seconds: int = Field(default=100, ge=1, le=3600)
    # Argon2 hashes and verifications run in at most this many threads per worker (each takes one core while
    # it runs); more concurrent logins wait their turn without blocking the worker's other requests
    password_hash_threads: int = Field(default=2, ge=1, le=64)
    user_cache_seconds: float = Field(default=2.0, ge=0)
    # how long computed figures (analytics S-13..S-22, dashboards C-47..C-50 with Redis, market prices C-51) are
    # kept; every successful write starts a new generation anyway. TRIBOKA_MARKET_CACHE_SECONDS is gone (ignored)
    analytics_cache_seconds: float = Field(default=60.0, ge=0, le=86_400)
    # request bodies above this are refused with 413 as they arrive (1 MiB: far above any JSON the API takes)
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=104_857_600)
    # the shared store of rate limits and lockouts (and later caches); unset = this process's memory
    redis_url: SecretStr | None = None
    # deal room files (S-37..S-39): a directory (one machine, or a volume every replica mounts) or an S3 bucket
    file_store: FileStoreKind = FileStoreKind.FILESYSTEM
    file_store_path: Path = Path("./var/files")
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    # one uploaded file at most (S-37: 413 above it, counted as the bytes arrive)
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024, le=1024 * 1024 * 1024)
    # peers whose X-Forwarded-For is believed (the ingress controller's or load balancer's addresses)
    trusted_proxies: Annotated[tuple[Network, ...], NoDecode] = ()
    rate_limit_enabled: bool = True
    rate_limit_default: RateLimit = "600/minute"
    rate_limit_auth_account: RateLimit = "10/minute"
    rate_limit_auth_ip: RateLimit = "60/minute"
    # the key ring of everything encrypted at rest (`domain/key_ring.py`: DID private keys, ERP credentials):
    # `<id>:<32 bytes base64url>`, comma-separated for rotation (the first encrypts). The issue-14 name is an alias
    # so that deployments keep their key; unset = the public development ring, refused in production
    encryption_keys: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_KEYS),
        validation_alias=AliasChoices("TRIBOKA_ENCRYPTION_KEYS", "TRIBOKA_DID_KEY_ENCRYPTION_KEY"),
    )
    # the interactive documentation (/api/docs, /api/redoc) and /api/openapi.json; off in production unless asked
    api_docs: bool = False
    # the secret ERP credentials were encrypted with before the key ring (unset: the JWT secret); read only by
    # migration 0012_erp_keyring, which seals them again under the ring
    erp_credentials_key: SecretStr | None = None
    # ERP connections (S-60..S-67): the networks an ERP may sit in besides public addresses (loopback, private,
    # link-local and metadata addresses are refused unless listed: Δ 192), and how pushes are tried
    erp_allowed_networks: Annotated[tuple[Network, ...], NoDecode] = ()
    erp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    erp_attempts: int = Field(default=3, ge=1, le=10)
    erp_retry_backoff_seconds: float = Field(default=0.5, ge=0, le=30)

    @model_validator(mode="before")
    @classmethod
    def _split_origins(cls, data: dict[str, Any]) -> dict[str, Any]:
        origins = data.get("cors_origins")
        if isinstance(origins, str):
            data["cors_origins"] = [o.strip() for o in origins.split(",") if o.strip()]
        return data

    @field_validator("trusted_proxies", "erp_allowed_networks", mode="before")
    @classmethod
    def _parse_networks(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str):
            return value
        networks = []
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                networks.append(ip_network(part, strict=False))
            except ValueError as exc:
                raise ValueError(
                    f"TRIBOKA_{(info.field_name or '').upper()}: {part!r} is not an IP address or CIDR network"
                ) from exc
        return tuple(networks)

    @field_validator("erp_credentials_key")
    @classmethod
    def _check_erp_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_PRODUCTION_SECRET_LENGTH:
            raise ValueError(
                f"TRIBOKA_ERP_CREDENTIALS_KEY must be at least {MIN_PRODUCTION_SECRET_LENGTH} characters"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(REDIS_SCHEMES):
            raise ValueError(
                "TRIBOKA_REDIS_URL must be redis://[:password@]host:port/db (or rediss:// for TLS)"
            )
        return value

    @field_validator("encryption_keys")
    @classmethod
    def _check_encryption_keys(cls, value: SecretStr) -> SecretStr:
        try:
            KeyRing.parse(value.get_secret_value())
        except ValueError as exc:
            raise ValueError(f"TRIBOKA_ENCRYPTION_KEYS: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _check(self) -> Settings:
        url = self.sqlalchemy_url
        if url.drivername not in {"sqlite+aiosqlite", "postgresql+asyncpg"}:
            raise ValueError(
                f"TRIBOKA_DATABASE_URL must use sqlite+aiosqlite:// or postgresql+asyncpg://, got {url.drivername}://"
            )
        if self.file_store is FileStoreKind.S3 and not (self.s3_endpoint_url and self.s3_bucket):
            raise ValueError("TRIBOKA_FILE_STORE=s3 needs TRIBOKA_S3_ENDPOINT_URL and TRIBOKA_S3_BUCKET")
        if self.environment is Environment.PRODUCTION:
            secret = self.jwt_secret.get_secret_value()
            if secret == DEVELOPMENT_JWT_SECRET or len(secret) < MIN_PRODUCTION_SECRET_LENGTH:
                raise ValueError(
                    "TRIBOKA_JWT_SECRET must be set to a random value of at least "
                    f"{MIN_PRODUCTION_SECRET_LENGTH} characters in production"
                )
            if self.key_ring.is_development:
                raise ValueError(
                    "TRIBOKA_ENCRYPTION_KEYS must be set in production (<key id>:<32 random bytes in base64url>)"
                )
        return self

    @property
    def sqlalchemy_url(self) -> URL:
        if self.database_host:
            return URL.create(
                "postgresql+asyncpg",
                username=self.database_user,
                password=self.database_password.get_secret_value() or None,
                host=self.database_host,
                port=self.database_port,
                database=self.database_name,
            )
        url = make_url(self.database_url)
        aliases = {
            "postgresql": "postgresql+asyncpg",
            "postgres": "postgresql+asyncpg",
            "sqlite": "sqlite+aiosqlite",
        }
        return url.set(drivername=aliases.get(url.drivername, url.drivername))

    @property
    def key_ring(self) -> KeyRing:
        return KeyRing.parse(self.encryption_keys.get_secret_value())

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.get_backend_name() == "sqlite"


@lru_cache
def get_settings() -> Settings:
    return Settings()
