"""One run at a time per target directory: an exclusive lock file holding pid, host and start time.

A lock is stale, and broken with a warning, when its process is gone (same host) or it is older than
`stale_after` seconds (another host, e.g. a pod that was killed: its pid means nothing here).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from pathlib import Path
from types import TracebackType

from triboka_backup.errors import LockHeldError, StorageError

log = logging.getLogger("triboka_backup")
LOCK_NAME = ".triboka-backup.lock"


class RunLock:
    def __init__(self, directory: Path, stale_after: float) -> None:
        self.path = directory / LOCK_NAME
        self.stale_after = stale_after
        self.token = uuid.uuid4().hex

    def __enter__(self) -> RunLock:
        for _ in range(2):
            if self._try_create():
                return self
            holder = self._holder()
            reason = self._stale_reason(holder)
            if reason is None:
                raise LockHeldError(
                    f"another backup is running: lock {self.path} held by pid {holder.get('pid')} on host "
                    f"{holder.get('host')} since {holder.get('started')}"
                )
            log.warning(
                "breaking stale lock %s: %s", self.path, reason, extra={"event": "stale_lock", **holder}
            )
            self.path.unlink(missing_ok=True)
        raise LockHeldError(f"could not take {self.path}: another process keeps taking it")

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self._holder().get("token") == self.token:
            self.path.unlink(missing_ok=True)

    def _try_create(self) -> bool:
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(), "token": self.token}
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        except OSError as exc:
            raise StorageError(f"cannot create lock {self.path}: {exc}") from exc
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(info, handle)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            self.path.unlink(missing_ok=True)
            raise StorageError(f"cannot write lock {self.path}: {exc}") from exc
        return True

    def _holder(self) -> dict[str, object]:
        try:
            holder = json.loads(self.path.read_text())
            return holder if isinstance(holder, dict) else {}
        except (OSError, ValueError):
            return {}

    def _stale_reason(self, holder: dict[str, object]) -> str | None:
        try:
            started = float(holder.get("started") or self.path.stat().st_mtime)  # type: ignore[arg-type]
        except OSError:
            return "lock vanished"
        age = time.time() - started
        if age > self.stale_after:
            return f"older than {self.stale_after:.0f} s ({age:.0f} s)"
        pid = holder.get("pid")
        if holder.get("host") == socket.gethostname() and isinstance(pid, int) and not _alive(pid):
            return f"process {pid} on this host is gone"
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
