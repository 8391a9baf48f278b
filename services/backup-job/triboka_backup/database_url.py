"""Where the database is: a PostgreSQL server or a SQLite file, parsed from the URLs the API uses."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import BaseModel, SecretStr

from triboka_backup.errors import ConfigError

POSTGRES_SCHEMES = {"postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg"}
SQLITE_SCHEMES = {"sqlite", "sqlite+aiosqlite"}
LIBPQ_OPTIONS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name"}


class PostgresSource(BaseModel):
    kind: Literal["postgresql"] = "postgresql"
    host: str = "127.0.0.1"
    port: int = 5432
    name: str
    user: str | None = None
    password: SecretStr | None = None
    options: dict[str, str] = {}

    def libpq_env(self) -> dict[str, str]:
        """Connection settings as libpq environment variables, so no password reaches a command line."""
        env = {"PGHOST": self.host, "PGPORT": str(self.port), "PGDATABASE": self.name}
        if self.user:
            env["PGUSER"] = self.user
        if self.password is not None:
            env["PGPASSWORD"] = self.password.get_secret_value()
        for key, value in self.options.items():
            env[f"PG{key.upper()}"] = value
        return env

    def connect_kwargs(self) -> dict[str, str | int]:
        kwargs: dict[str, str | int] = {"host": self.host, "port": self.port, "dbname": self.name}
        if self.user:
            kwargs["user"] = self.user
        if self.password is not None:
            kwargs["password"] = self.password.get_secret_value()
        return {**kwargs, **self.options}

    def with_name(self, name: str) -> PostgresSource:
        return self.model_copy(update={"name": name})

    def describe(self) -> str:
        return f"postgresql://{self.host}:{self.port}/{self.name}"


class SqliteSource(BaseModel):
    kind: Literal["sqlite"] = "sqlite"
    path: Path

    def describe(self) -> str:
        return f"sqlite:///{self.path}"


DatabaseSource = PostgresSource | SqliteSource


def parse_database_url(url: str) -> DatabaseSource:
    """Parse `postgresql[+driver]://...` or SQLAlchemy-style `sqlite[+aiosqlite]:///path` (////: absolute)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in SQLITE_SCHEMES:
        if parts.netloc or not parts.path.startswith("/") or parts.path == "/":
            raise ConfigError(
                f"SQLite URL must look like sqlite:///relative/path or sqlite:////absolute: {url!r}"
            )
        return SqliteSource(path=Path(unquote(parts.path[1:])))
    if scheme in POSTGRES_SCHEMES:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError("PostgreSQL URL has no database name")
        try:
            port = parts.port or 5432
        except ValueError as exc:
            raise ConfigError(f"PostgreSQL URL has a bad port: {exc}") from exc
        password = unquote(parts.password) if parts.password is not None else None
        return PostgresSource(
            host=parts.hostname or "127.0.0.1",
            port=port,
            name=name,
            user=unquote(parts.username) if parts.username else None,
            password=SecretStr(password) if password is not None else None,
            options=_libpq_options(parse_qsl(parts.query)),
        )
    raise ConfigError(
        f"unsupported database URL scheme {parts.scheme!r}: use postgresql://, postgresql+asyncpg://, "
        "sqlite:/// or sqlite+aiosqlite:///"
    )


def _libpq_options(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Query parameters that libpq understands; asyncpg's `ssl=` is its spelling of `sslmode=`."""
    options: dict[str, str] = {}
    for key, value in pairs:
        key = "sslmode" if key == "ssl" else key
        if key not in LIBPQ_OPTIONS:
            raise ConfigError(
                f"unsupported PostgreSQL URL parameter {key!r} (known: {sorted(LIBPQ_OPTIONS)})"
            )
        options[key] = value
    return options
