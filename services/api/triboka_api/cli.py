"""`triboka-api`: serve, migrate, import-sqlite, create-admin, create-company and seed-demo — the one entry point for
`make run`, the container image and the chart's hooks."""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import ValidationError

from triboka_api.domain.roles import Role
from triboka_api.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
WORKER_HEALTHCHECK_SECONDS = 30


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        sys.exit(f"triboka-api: invalid configuration: {problems}")


def _prepare_metrics_dir() -> None:
    """prometheus_client's multiprocess mode: every worker writes here, the metrics port sums them up.
    Emptied at start so counters of a previous run do not leak into this one."""
    path = Path(
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="triboka-api-metrics-"))
    )
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)


def _check_schema(settings: Settings) -> None:
    """Refuse to serve an out-of-date schema with one clear line (the app's lifespan checks again)."""
    from triboka_api.db import create_engine
    from triboka_api.schema_revision import SchemaOutOfDateError, ensure_current

    async def check() -> None:
        engine = create_engine(settings)
        try:
            await ensure_current(engine)
        finally:
            await engine.dispose()

    try:
        asyncio.run(check())
    except SchemaOutOfDateError as exc:
        sys.exit(f"triboka-api: {exc}")


def _check_schema_from_environment() -> None:
    _check_schema(_settings())


def _check_schema_apart() -> None:
    """`_check_schema` in a child process: the supervisor of `serve --workers N` lives as long as the pod and
    would keep SQLAlchemy, Alembic and the models it imports (tens of MiB, issue 16 goal 6) for nothing."""
    child = multiprocessing.get_context("spawn").Process(target=_check_schema_from_environment)
    child.start()
    child.join()
    if child.exitcode:
        sys.exit(child.exitcode)  # the child has printed why


def cmd_serve(args: argparse.Namespace) -> None:
    settings = _settings()
    import uvicorn

    from triboka_api import serving
    from triboka_api.jsonlog import logging_config

    _check_schema_apart()
    if args.metrics_port or "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        _prepare_metrics_dir()
    if args.metrics_port:
        from prometheus_client import CollectorRegistry, start_http_server
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        # prometheus_client leaves this constructor unannotated
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        start_http_server(args.metrics_port, addr=args.host, registry=registry)
    config = uvicorn.Config(
        "triboka_api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        log_config=logging_config(settings.log_level),
        access_log=False,
        # the peer stays the TCP peer: client_ip() believes X-Forwarded-For from TRIBOKA_TRUSTED_PROXIES only
        proxy_headers=False,
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
        timeout_keep_alive=settings.keep_alive_seconds,
        # uvicorn kills a worker that does not answer its supervisor's ping in time (5 s by default): a worker
        # starting on a CPU-starved node or a throttled container took longer and was killed in a loop
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        backlog=4096,
    )
    serving.run(config)


def cmd_check_schema(args: argparse.Namespace) -> None:
    """Exit 0 once the database answers and is at this release's revision; with --wait, keep trying that long.
    The chart's API pods run this as an init container, so they start only after the migration has run."""
    from triboka_api.db import create_engine
    from triboka_api.schema_revision import HEAD_REVISION, current_revision

    settings = _settings()
    head = HEAD_REVISION

    async def revision() -> str | None:
        engine = create_engine(settings)
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    deadline = time.monotonic() + args.wait
    while True:
        try:
            current = asyncio.run(revision())
            problem = None if current == head else f"schema at {current or 'none'}, this release needs {head}"
        except Exception as exc:  # an unreachable database is one more reason to wait
            problem = f"database not reachable: {exc}"
        if problem is None:
            print(f"triboka-api: schema at {head}")
            return
        if time.monotonic() >= deadline:
            sys.exit(f"triboka-api: {problem}")
        print(f"triboka-api: waiting: {problem}", flush=True)
        time.sleep(2)


def cmd_migrate(args: argparse.Namespace) -> None:
    from triboka_api.migrate import head_revision, upgrade, wait_for_database

    settings = _settings()
    if args.wait:
        wait_for_database(settings, args.wait)
    upgrade(settings)
    print(f"triboka-api: database at revision {head_revision()}")


async def _with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from triboka_api.db import create_engine, create_sessionmaker
    from triboka_api.schema_revision import ensure_current

    engine = create_engine(settings)
    try:
        await ensure_current(engine)
        async with create_sessionmaker(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


def cmd_create_admin(args: argparse.Namespace) -> None:
    from sqlalchemy import func, select

    from triboka_api.models import User
    from triboka_api.security.passwords import hash_password

    email = args.email or os.environ.get("TRIBOKA_ADMIN_EMAIL")
    password = args.password or os.environ.get("TRIBOKA_ADMIN_PASSWORD")
    name = args.name or os.environ.get("TRIBOKA_ADMIN_NAME") or "Administrator"
    if not email or not password:
        sys.exit("triboka-api: create-admin needs --email and --password (or TRIBOKA_ADMIN_EMAIL/_PASSWORD)")

    async def work(session: AsyncSession) -> str | None:
        existing = await session.scalar(select(User).where(func.lower(User.email) == email.lower()))
        if existing is not None:
            if args.if_missing:
                return f"admin {email} already exists, left unchanged"
            sys.exit(f"triboka-api: a user with e-mail {email} already exists")
        session.add(
            User(
                email=email,
                name=name,
                role=Role.ADMIN,
                password_hash=hash_password(password),
                company_id=args.company_id,
                active=True,
            )
        )
        await session.commit()
        return f"admin {email} created"

    print(f"triboka-api: {asyncio.run(_with_session(_settings(), work))}")


def cmd_create_company(args: argparse.Namespace) -> None:
    """Companies have no endpoint in the contract (they come from seeding, registration or operations)."""
    from sqlalchemy import select

    from triboka_api.models import Company

    async def work(session: AsyncSession) -> int:
        existing = await session.scalar(select(Company).where(Company.name == args.name))
        if existing is not None:
            return existing.id
        company = Company(name=args.name, company_type=args.type, country=args.country, email=args.email)
        session.add(company)
        await session.commit()
        return company.id

    print(asyncio.run(_with_session(_settings(), work)))


def cmd_seed_demo(args: argparse.Namespace) -> None:
    """First-run demo data for `make run` (triboka_api.demo_seed): companies, a user of every role, lots, a batch,
    contracts, dispatches, trace events and market prices. The logins are printed and kept in a 0600 file; an
    existing database (any user or company) is left alone and the kept logins are printed again."""
    from triboka_api.app import create_app
    from triboka_api.demo_seed import DemoLogin, SeedError, seed_demo

    credentials = Path(args.credentials_file)
    # the seed's own requests must not spend a shared (Redis) request budget
    app = create_app(_settings().model_copy(update={"rate_limit_enabled": False}))

    async def work() -> list[DemoLogin] | None:
        async with app.router.lifespan_context(app):
            return await seed_demo(app)

    try:
        logins = asyncio.run(work())
    except SeedError as exc:  # a bug of the seed, not of the caller's setup: say where it stopped
        sys.exit(
            f"triboka-api: the demo seed stopped ({exc}); the database holds part of it, start from an empty one"
        )
    if logins is not None:
        credentials.parent.mkdir(parents=True, exist_ok=True)
        credentials.touch(mode=0o600)
        credentials.chmod(0o600)  # an older file of a deleted database may have had other bits
        credentials.write_text("".join(f"{lo.role:<9} {lo.email:<24} {lo.password}\n" for lo in logins))
    elif not credentials.exists():
        print("triboka-api: the database already has data; no demo seeded")
    if credentials.exists():
        print(
            f"triboka-api: demo logins (role, e-mail, password; kept in {credentials}):\n{credentials.read_text()}",
            end="",
        )


def cmd_import_sqlite(args: argparse.Namespace) -> None:
    """Exit 0 when every source row is imported (or was before), or with --allow-unmapped; exit 3 when rows have
    no home in this schema, and then nothing is written: the operator decides to keep them in legacy_rows."""
    from sqlalchemy.exc import DBAPIError

    from triboka_api.db import create_engine
    from triboka_api.importer import ImportExit, ImportReport, SqliteImporter
    from triboka_api.schema_revision import ensure_current

    source = Path(args.path)
    if not source.is_file():
        sys.exit(f"triboka-api: no such file: {source}")
    settings = _settings()

    async def run() -> ImportReport:
        engine = create_engine(settings)
        try:
            await ensure_current(engine)
            async with engine.connect() as connection, connection.begin() as transaction:
                report = await SqliteImporter(source, connection).run()
                if report.exit_code(allow_unmapped=args.allow_unmapped) != ImportExit.OK:
                    await transaction.rollback()
                return report
        finally:
            await engine.dispose()

    try:
        report = asyncio.run(run())
    except (DBAPIError, sqlite3.DatabaseError) as exc:
        sys.exit(f"triboka-api: import failed, nothing was written: {exc}")
    if args.json:
        import json

        print(json.dumps(report.as_dict(allow_unmapped=args.allow_unmapped), indent=2))
    else:
        print(report.render(allow_unmapped=args.allow_unmapped))
    sys.exit(int(report.exit_code(allow_unmapped=args.allow_unmapped)))


def cmd_openapi(args: argparse.Namespace) -> None:
    """The OpenAPI document of this release (docs/openapi.json), whatever TRIBOKA_API_DOCS says."""
    from triboka_api.api.openapi import render
    from triboka_api.app import create_app

    document = render(create_app(Settings(api_docs=True)))
    if args.output:
        Path(args.output).write_text(document, encoding="utf-8")
    else:
        sys.stdout.write(document)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="triboka-api", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API server (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5003)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--metrics-port", type=int, default=0, help="Prometheus metrics port (0 = off)")
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--wait", type=float, default=0, help="seconds to wait for the database first")
    migrate.set_defaults(func=cmd_migrate)

    check = sub.add_parser(
        "check-schema", help="exit 0 when the database is at this release's schema revision"
    )
    check.add_argument("--wait", type=float, default=0, help="seconds to keep waiting for it")
    check.set_defaults(func=cmd_check_schema)

    admin = sub.add_parser("create-admin", help="create an admin user")
    admin.add_argument("--email")
    admin.add_argument("--password")
    admin.add_argument("--name")
    admin.add_argument("--company-id", type=int)
    admin.add_argument("--if-missing", action="store_true", help="succeed quietly when the user exists")
    admin.set_defaults(func=cmd_create_admin)

    company = sub.add_parser(
        "create-company", help="create a company (prints its id; an existing name is reused)"
    )
    company.add_argument("--name", required=True)
    company.add_argument("--type", required=True, choices=["producer", "exporter", "buyer"])
    company.add_argument("--country")
    company.add_argument("--email")
    company.set_defaults(func=cmd_create_company)

    seed = sub.add_parser(
        "seed-demo", help="seed a demo supply chain with a user of every role when the database is empty"
    )
    seed.add_argument("--credentials-file", default="var/demo-credentials.txt")
    seed.set_defaults(func=cmd_seed_demo)

    openapi = sub.add_parser("openapi", help="write the OpenAPI document (docs/openapi.json)")
    openapi.add_argument("--output", help="file to write (default: standard output)")
    openapi.set_defaults(func=cmd_openapi)

    importer = sub.add_parser("import-sqlite", help="import a first-generation SQLite database")
    importer.add_argument("path")
    importer.add_argument("--json", action="store_true", help="print the report as JSON")
    importer.add_argument(
        "--allow-unmapped",
        action="store_true",
        help="import even when rows have no home here (they are kept in legacy_rows); otherwise exit 3, write nothing",
    )
    importer.set_defaults(func=cmd_import_sqlite)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
