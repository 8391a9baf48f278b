"""Configuration from `TRIBOKA_WEB_*` environment variables, validated once at start-up."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from pydantic import AnyHttpUrl, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET_KEY = "triboka-web-development-secret-change-me"  # noqa: S105 - refused in production
MIN_PRODUCTION_SECRET_LENGTH = 32
SUPPORTED_LOCALES = ("es", "en")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every knob of the web service."""

    model_config = SettingsConfigDict(env_prefix="TRIBOKA_WEB_", extra="ignore")

    api_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:5003")
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET_KEY)
    environment: Environment = Environment.DEVELOPMENT
    log_level: str = Field(default="INFO", pattern="^(?i)(debug|info|warning|error|critical)$")
    cookie_secure: bool = False
    default_locale: str = Field(default="es", pattern="^(es|en)$")
    api_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    graceful_shutdown_seconds: int = Field(default=20, ge=0, le=600)
    # idle HTTP connections are kept longer than the proxies in front pool theirs (see the API's setting)
    keep_alive_seconds: int = Field(default=100, ge=1, le=3600)
    # where browsers reach the API's Socket.IO (deal rooms' live messages): an origin such as
    # http://127.0.0.1:5003 (`make run`); empty = this dashboard's own origin (the chart's ingress routes /socket.io)
    socket_url: str = Field(default="", pattern=r"^(https?://[^/\s]+)?$")
    # where browsers fetch the static files (a CDN in front of this dashboard's /static): the URL that serves that
    # directory, e.g. https://cdn.example.com/triboka/static; empty = this dashboard's own /static. Its origin is
    # added to the Content-Security-Policy for scripts, styles, fonts and images.
    static_base_url: str = Field(default="", pattern=r"^(https?://[^/\s]+(/[^\s]*[^/\s])?)?$")

    @model_validator(mode="after")
    def _refuse_weak_secret_in_production(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            secret = self.secret_key.get_secret_value()
            if secret == DEVELOPMENT_SECRET_KEY or len(secret) < MIN_PRODUCTION_SECRET_LENGTH:
                raise ValueError(
                    "TRIBOKA_WEB_SECRET_KEY must be set to a random value of at least "
                    f"{MIN_PRODUCTION_SECRET_LENGTH} characters in production"
                )
        return self

    @property
    def static_origin(self) -> str:
        """The scheme, host and port of `static_base_url` (empty when unset)."""
        return "/".join(self.static_base_url.split("/", 3)[:3])

    @property
    def api_base_url(self) -> str:
        return str(self.api_url).rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()
