"""Checking stored backups: a quick check (manifest + sizes) and a full check (SHA-256 of every file)."""

from __future__ import annotations

from dataclasses import dataclass

from triboka_backup.errors import BackupError, VerifyError
from triboka_backup.filesio import hash_stream
from triboka_backup.manifest import FileEntry, Manifest
from triboka_backup.retention import Decision, RetentionPolicy, plan
from triboka_backup.stores import Store


@dataclass(frozen=True)
class Entry:
    """A committed backup as found in a store: its manifest, or why it cannot be trusted."""

    backup_id: str
    manifest: Manifest | None
    problem: str | None
    size: int

    @property
    def ok(self) -> bool:
        return self.problem is None


def quick_check(store: Store, backup_id: str) -> Entry:
    try:
        manifest = store.read_manifest(backup_id)
        sizes = store.sizes(backup_id)
    except BackupError as exc:
        return Entry(backup_id, None, str(exc), 0)
    total = sum(sizes.values())
    for entry in manifest.files:
        if entry.name not in sizes:
            return Entry(backup_id, manifest, f"{entry.name} is missing", total)
        if sizes[entry.name] != entry.size:
            return Entry(
                backup_id,
                manifest,
                f"{entry.name} has {sizes[entry.name]} bytes, manifest says {entry.size}",
                total,
            )
    if manifest.backup_id != backup_id:
        return Entry(backup_id, manifest, f"manifest names another backup ({manifest.backup_id})", total)
    return Entry(backup_id, manifest, None, total)


def survey(store: Store) -> list[Entry]:
    """Every committed backup, newest first, each quick-checked."""
    return [quick_check(store, backup_id) for backup_id in reversed(store.backup_ids())]


def check_file(store: Store, backup_id: str, entry: FileEntry) -> None:
    with store.open(backup_id, entry.name) as stream:
        size, digest = hash_stream(stream)
    if (size, digest) != (entry.size, entry.sha256):
        raise VerifyError(
            f"{store.name} {backup_id}/{entry.name}: checksum mismatch "
            f"(stored {size} bytes sha256 {digest[:12]}…, manifest {entry.size} bytes "
            f"{entry.sha256[:12]}…)"
        )


def full_check(store: Store, backup_id: str) -> Manifest:
    entry = quick_check(store, backup_id)
    if entry.problem or entry.manifest is None:
        raise VerifyError(f"{store.name} {backup_id}: {entry.problem}")
    for file_entry in entry.manifest.files:
        check_file(store, backup_id, file_entry)
    return entry.manifest


def retention_of(entries: list[Entry], policy: RetentionPolicy) -> dict[str, Decision]:
    """The retention plan over the backups that pass the quick check; others get no decision."""
    decisions = plan(((e.backup_id, e.manifest.started_at) for e in entries if e.ok and e.manifest), policy)
    return {d.backup_id: d for d in decisions}
