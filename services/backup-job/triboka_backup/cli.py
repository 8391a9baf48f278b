"""`triboka-backup`: run, list, verify, restore, prune. Flags mirror the TRIBOKA_BACKUP_* variables."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triboka_backup import __version__
from triboka_backup.backup import archived_directories, create_backup
from triboka_backup.database_url import SqliteSource, parse_database_url
from triboka_backup.engines import Engine, engine_for
from triboka_backup.errors import BackupError, ConfigError, ExitCode, PruneRefusedError, VerifyError
from triboka_backup.jsonlog import configure_logging
from triboka_backup.listing import render
from triboka_backup.lock import RunLock
from triboka_backup.markers import LAST_RUN, RunRecord, read_record, record_run
from triboka_backup.prune import apply_plan, make_plan
from triboka_backup.replica import dump_source
from triboka_backup.restore import compare_counts, resolve, restore, summary
from triboka_backup.settings import Settings, load_settings
from triboka_backup.stores import Store
from triboka_backup.stores.directory import DirStore
from triboka_backup.verify import full_check, survey

if TYPE_CHECKING:
    from triboka_backup.stores.s3 import S3Store

log = logging.getLogger("triboka_backup")


def _settings_flags() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("settings (each also read from TRIBOKA_BACKUP_<NAME>)")
    for name, field in Settings.model_fields.items():
        group.add_argument(
            f"--{name.replace('_', '-')}", dest=f"setting_{name}", metavar="VALUE", help=field.description
        )
    return common


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {number}")
    return number


def build_parser() -> argparse.ArgumentParser:
    common = _settings_flags()
    storage = argparse.ArgumentParser(add_help=False)
    storage.add_argument("--storage", choices=["dir", "s3"], default="dir", help="where to read backups from")
    parser = argparse.ArgumentParser(prog="triboka-backup", description=__doc__)
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", parents=[common], help="make a backup")
    run.add_argument("--prune", action="store_true", help="apply retention after a successful backup")
    lister = sub.add_parser("list", parents=[common, storage], help="list backups")
    lister.add_argument("--json", action="store_true", help="machine-readable output")
    verify = sub.add_parser("verify", parents=[common, storage], help="re-check checksums")
    verify.add_argument("backup_id", nargs="?", help="one backup id or 'latest' (default: all)")
    verify.add_argument(
        "--restore-test",
        action="store_true",
        help="also restore (ID or the latest) into a scratch database and compare row counts",
    )
    rest = sub.add_parser("restore", parents=[common, storage], help="restore into an empty database")
    rest.add_argument("backup_id", help="a backup id or 'latest'")
    rest.add_argument("--target-url", required=True, help="database to restore into (must be empty)")
    rest.add_argument("--force", action="store_true", help="restore even if the target is not empty")
    rest.add_argument(
        "--check-counts",
        action="store_true",
        help="count every table's rows after the restore and compare with the manifest",
    )
    rest.add_argument(
        "--jobs",
        type=_positive,
        default=1,
        help="pg_restore --jobs N (unencrypted backups in the directory store): the dump is hashed first, and "
        "the restore is not one transaction (default 1: streamed, checked on the way, all or nothing)",
    )
    rest.add_argument(
        "--files-target",
        type=Path,
        help="put the backup's file store back into this folder (the API's TRIBOKA_FILE_STORE_PATH; must be empty)",
    )
    prune = sub.add_parser("prune", parents=[common], help="apply retention to every configured store")
    prune.add_argument("--dry-run", action="store_true", help="print the plan, delete nothing")
    return parser


def _stores(settings: Settings) -> tuple[DirStore, S3Store | None]:
    local = DirStore(settings.target_dir)
    if not settings.s3_bucket or not settings.s3_endpoint_url:
        return local, None
    # imported here: boto3 is a fifth of the start-up time, and only runs with S3 configured need it
    from triboka_backup.stores.s3 import S3Store, make_client

    secret = settings.s3_secret_access_key
    client = make_client(
        settings.s3_endpoint_url,
        settings.s3_access_key_id.get_secret_value() if settings.s3_access_key_id else None,
        secret.get_secret_value() if secret else None,
        settings.s3_region,
    )
    return local, S3Store(client, settings.s3_bucket, settings.s3_prefix, settings.s3_part_size)


def _chosen(settings: Settings, args: argparse.Namespace) -> Store:
    local, remote = _stores(settings)
    if args.storage == "s3":
        if remote is None:
            raise ConfigError(
                "--storage s3 needs TRIBOKA_BACKUP_S3_ENDPOINT_URL and TRIBOKA_BACKUP_S3_BUCKET"
            )
        return remote
    return local


def _prune(settings: Settings, dry_run: bool) -> None:
    local, remote = _stores(settings)
    for store in [local] + ([remote] if remote else []):
        plan = make_plan(store, settings.retention)
        print("\n".join(plan.lines()), flush=True)
        if not dry_run:
            deleted = apply_plan(plan)
            log.info(
                "prune of %s done: %d deleted",
                store.name,
                deleted,
                extra={"event": "prune_done", "store": store.name, "deleted": deleted},
            )


def cmd_run(settings: Settings, args: argparse.Namespace) -> None:
    for kind, _, directory in archived_directories(settings):
        if not directory.is_dir():
            raise ConfigError(f"TRIBOKA_BACKUP_{kind.upper()}_DIR {directory} is not a directory")
    engine = engine_for(dump_source(settings.database(), settings.database_replica_host), settings.pg_bin_dir)
    local, remote = _stores(settings)
    local.ensure_root()
    with RunLock(settings.target_dir, settings.lock_stale_seconds):
        local.sweep()
        record = RunRecord(status="running", started_at=datetime.now(UTC))
        record_run(settings.target_dir, settings.metrics_path, record)
        try:
            manifest = create_backup(settings, engine, local, [remote] if remote else [])
        except BaseException as exc:
            code = exc.code if isinstance(exc, BackupError) else ExitCode.INTERNAL
            failed = record.model_copy(
                update={
                    "status": "failed",
                    "finished_at": datetime.now(UTC),
                    "exit_code": int(code),
                    "error": str(exc),
                }
            )
            record_run(settings.target_dir, settings.metrics_path, failed)
            raise
        done = record.model_copy(
            update={
                "status": "ok",
                "backup_id": manifest.backup_id,
                "finished_at": datetime.now(UTC),
                "exit_code": 0,
                "size_bytes": sum(f.size for f in manifest.files),
            }
        )
        record_run(settings.target_dir, settings.metrics_path, done)
        log.info(
            "backup %s done in %.1f s, %d bytes",
            manifest.backup_id,
            done.duration,
            done.size_bytes,
            extra={
                "event": "done",
                "backup_id": manifest.backup_id,
                "duration_s": done.duration,
                "bytes": done.size_bytes,
            },
        )
        print(manifest.backup_id, flush=True)
        if args.prune:
            _prune(settings, dry_run=False)


def cmd_prune(settings: Settings, args: argparse.Namespace) -> None:
    with RunLock(settings.target_dir, settings.lock_stale_seconds):
        last = read_record(settings.target_dir, LAST_RUN)
        if last is not None and last.status != "ok":
            raise PruneRefusedError(
                f"the last run ({last.started_at.isoformat()}) did not succeed ({last.status}: "
                f"{last.error or 'interrupted'}): not pruning until a run succeeds"
            )
        _prune(settings, args.dry_run)


def cmd_list(settings: Settings, args: argparse.Namespace) -> None:
    store = _chosen(settings, args)
    print(render(survey(store), settings.retention, as_json=args.json), flush=True)


def _restore_test_engine(settings: Settings, engine_kind: str) -> Engine:
    if engine_kind == "sqlite":
        return engine_for(SqliteSource(path=settings.target_dir / "unused.sqlite3"), None)
    try:
        return engine_for(settings.database(), settings.pg_bin_dir)
    except ConfigError as exc:
        raise ConfigError(
            f"--restore-test of a PostgreSQL backup needs a server for the scratch database: {exc}"
        ) from None


def cmd_verify(settings: Settings, args: argparse.Namespace) -> None:
    store = _chosen(settings, args)
    ids = [resolve(store, args.backup_id)] if args.backup_id else store.backup_ids()
    if not ids:
        raise VerifyError(f"no backups in {store.name}")
    failures = 0
    for backup_id in ids:
        try:
            full_check(store, backup_id)
            print(f"ok      {backup_id}", flush=True)
        except VerifyError as exc:
            failures += 1
            print(f"FAILED  {backup_id}: {exc}", flush=True)
            log.error(
                "verification failed: %s", exc, extra={"event": "verify_failed", "backup_id": backup_id}
            )
    if failures:
        raise VerifyError(f"{failures} of {len(ids)} backups failed verification")
    if args.restore_test:
        backup_id = resolve(store, args.backup_id or "latest")
        kind = store.read_manifest(backup_id).database.engine
        with _restore_test_engine(settings, kind).scratch() as scratch:
            manifest = restore(store, backup_id, scratch, settings.key_bytes, force=False).manifest
            compare_counts(manifest, scratch.row_counts())
        print(
            f"restore test of {backup_id}: {len(manifest.row_counts)} tables, "
            f"{sum(manifest.row_counts.values())} rows, row counts match the manifest",
            flush=True,
        )


def cmd_restore(settings: Settings, args: argparse.Namespace) -> None:
    store = _chosen(settings, args)
    engine = engine_for(parse_database_url(args.target_url), settings.pg_bin_dir)
    backup_id = resolve(store, args.backup_id)
    restored = restore(store, backup_id, engine, settings.key_bytes, args.force, args.files_target, args.jobs)
    if args.check_counts:
        compare_counts(restored.manifest, engine.row_counts())
    print("\n".join(summary(restored, engine.describe(), counted=args.check_counts)), flush=True)


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], None]] = {
    "run": cmd_run,
    "list": cmd_list,
    "verify": cmd_verify,
    "restore": cmd_restore,
    "prune": cmd_prune,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # stdout carries the command's result; the log lines go to stderr, each naming the action
    configure_logging("INFO", sys.stderr, {"action": args.command})
    overrides: dict[str, Any] = {
        key.removeprefix("setting_"): value
        for key, value in vars(args).items()
        if key.startswith("setting_") and value is not None
    }
    try:
        COMMANDS[args.command](load_settings(overrides), args)
    except BackupError as exc:
        log.error("%s failed: %s", args.command, exc, extra={"event": "failed", "exit_code": int(exc.code)})
        return int(exc.code)
    except Exception as exc:
        log.exception(
            "%s failed unexpectedly: %s",
            args.command,
            exc,
            extra={"event": "failed", "exit_code": int(ExitCode.INTERNAL)},
        )
        return int(ExitCode.INTERNAL)
    return int(ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
