"""The readiness check's database round trip, shared by the health requests that arrive while one is running.

Probes, load balancers and monitors may call the health endpoint hundreds of times a second; each answer must come
from a real `SELECT 1` (C-01), but concurrent callers can share the one in flight instead of queueing a round trip
each. A check that does not answer within `timeout_seconds` counts as unhealthy.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger("triboka_api.health")


class DatabaseProbe:
    def __init__(self, engine: AsyncEngine, timeout_seconds: float = 5.0) -> None:
        self._engine = engine
        self._timeout = timeout_seconds
        self._running: asyncio.Task[bool] | None = None

    async def healthy(self) -> bool:
        if self._running is None:
            self._running = asyncio.create_task(self._check())
            self._running.add_done_callback(self._finished)
        return await asyncio.shield(self._running)

    def _finished(self, task: asyncio.Task[bool]) -> None:
        if self._running is task:
            self._running = None

    async def _check(self) -> bool:
        try:
            async with asyncio.timeout(self._timeout):
                async with self._engine.connect() as connection:
                    await connection.exec_driver_sql("SELECT 1")
        except Exception as exc:  # any failure to answer is "unhealthy", with the reason in the log
            logger.warning("database check failed: %s", exc.__class__.__name__)
            return False
        return True
