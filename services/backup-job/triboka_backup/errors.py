"""Exit codes and the exceptions that carry them, so every failure maps to one documented code."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    CONFIG = 2
    DUMP = 3
    STORAGE = 4
    VERIFY = 5
    LOCK_HELD = 6
    RESTORE = 7
    PRUNE_REFUSED = 8


class BackupError(Exception):
    code = ExitCode.INTERNAL


class ConfigError(BackupError):
    code = ExitCode.CONFIG


class DumpError(BackupError):
    code = ExitCode.DUMP


class StorageError(BackupError):
    code = ExitCode.STORAGE


class VerifyError(BackupError):
    code = ExitCode.VERIFY


class LockHeldError(BackupError):
    code = ExitCode.LOCK_HELD


class RestoreError(BackupError):
    code = ExitCode.RESTORE


class PruneRefusedError(BackupError):
    code = ExitCode.PRUNE_REFUSED
