"""Progress of long transfers as periodic log lines (bytes so far, elapsed), so a long dump is not silent."""

from __future__ import annotations

import logging
import time

log = logging.getLogger("triboka_backup")


class Progress:
    def __init__(self, what: str, interval: float) -> None:
        self.what = what
        self.interval = interval
        self.bytes = 0
        self.started = time.monotonic()
        self._next = self.started + interval

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def add(self, count: int) -> None:
        self.bytes += count
        now = time.monotonic()
        if now >= self._next:
            self._next = now + self.interval
            self.report("progress")

    def report(self, event: str) -> None:
        log.info(
            "%s %s: %d bytes in %.1f s",
            self.what,
            event,
            self.bytes,
            self.elapsed,
            extra={
                "event": event,
                "what": self.what,
                "bytes": self.bytes,
                "elapsed_s": round(self.elapsed, 3),
            },
        )
