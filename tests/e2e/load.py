"""Bounded HTTP load through the ingress (127.0.0.1 only), in a background thread, recording every outcome.

The loop is open: request i is due at start + i / rate, whatever the previous ones are doing (at most
`in_flight` at once), and it stops at the first of stop(), `max_seconds` and `max_requests`."""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.e2e.clients import async_client


@dataclass(frozen=True)
class Op:
    """One kind of request. `path` and `body` are called per request; `on_success` sees the expected responses."""

    name: str
    method: str
    path: Callable[[], str]
    expected: frozenset[int] = frozenset({200})
    body: Callable[[], dict[str, Any]] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    on_success: Callable[[httpx.Response], None] | None = None


@dataclass
class Outcome:
    at: float  # seconds since the load started, when the request was sent
    op: str
    ok: bool
    detail: str  # status code or exception name
    latency: float


@dataclass
class LoadResult:
    outcomes: list[Outcome]
    seconds: float

    @property
    def sent(self) -> int:
        return len(self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def failed(self) -> int:
        return len(self.failures)

    def failed_between(self, start: float, end: float = float("inf")) -> list[Outcome]:
        """Failures of the requests sent in [start, end) (seconds of the load)."""
        return [o for o in self.failures if start <= o.at < end]

    def failed_before(self, moment: float) -> list[Outcome]:
        """Failures of the requests that had their answer (or error) before `moment`."""
        return [o for o in self.failures if o.at + o.latency < moment]

    def summary(self) -> dict[str, Any]:
        by_op: dict[str, Counter] = {}
        for o in self.outcomes:
            by_op.setdefault(o.op, Counter())[o.detail] += 1
        latencies = sorted(o.latency for o in self.outcomes)

        def percentile(q: float) -> float:
            return (
                round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 1)
                if latencies
                else 0
            )

        return {
            "requests_sent": self.sent,
            "requests_failed": self.failed,
            "seconds": round(self.seconds, 1),
            "rate_per_second": round(self.sent / self.seconds, 1) if self.seconds else 0,
            "latency_ms_p50_p99_max": [percentile(0.5), percentile(0.99), percentile(1.0)],
            "outcomes_by_request": {op: dict(counter) for op, counter in sorted(by_op.items())},
            "first_failures": [f"{o.at:.2f}s {o.op} {o.detail}" for o in self.failures[:15]],
        }


class Load:
    def __init__(
        self,
        host: str,
        context: ssl.SSLContext,
        ops: list[Op],
        rate: float,
        max_seconds: float,
        max_requests: int,
        in_flight: int = 48,
        timeout: float = 15,
    ) -> None:
        if not ops or min(rate, max_seconds, max_requests) <= 0:
            raise ValueError("a load needs operations and a positive rate, duration and request count")
        self.host, self.context, self.ops = host, context, ops
        self.rate, self.max_seconds, self.max_requests = rate, max_seconds, max_requests
        self.in_flight, self.timeout = in_flight, timeout
        self._outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="e2e-load", daemon=True)
        self._started = 0.0
        self._seconds = 0.0
        self._error: BaseException | None = None

    # -- control, from the test's thread ---------------------------------------------------------------------
    def __enter__(self) -> Load:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def sent(self) -> int:
        return len(self._outcomes)

    def keep_on(self, seconds: float) -> float:
        """Let the load run `seconds` more (e.g. after a recovery, when no request may fail any more); returns
        the moment, in seconds of the load, the wait began."""
        began = self.elapsed()
        time.sleep(seconds)
        return began

    def successes_since(self, at: float) -> int:
        return sum(1 for o in list(self._outcomes) if o.ok and o.at >= at)

    def stop(self) -> LoadResult:
        self._stop.set()
        self._thread.join(timeout=self.timeout + 30)
        assert not self._thread.is_alive(), "the load thread did not stop"
        if self._error:
            raise AssertionError(f"the load generator crashed: {self._error!r}") from self._error
        return LoadResult(sorted(self._outcomes, key=lambda o: o.at), self._seconds)

    # -- the loop, in its own thread and event loop ---------------------------------------------------------
    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported by stop()
            self._error = error

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        slots = asyncio.Semaphore(self.in_flight)
        tasks: set[asyncio.Task] = set()
        async with async_client(self.host, self.context, self.in_flight, self.timeout) as client:
            start = loop.time()
            for i in range(self.max_requests):
                now = loop.time()
                if self._stop.is_set() or now - start >= self.max_seconds:
                    break
                due = start + i / self.rate
                if due > now:
                    await asyncio.sleep(due - now)
                await slots.acquire()
                task = asyncio.create_task(self._one(client, self.ops[i % len(self.ops)], start))
                tasks.add(task)
                task.add_done_callback(lambda t: (tasks.discard(t), slots.release()))
            await asyncio.gather(*tasks)
            self._seconds = loop.time() - start

    async def _one(self, client: httpx.AsyncClient, op: Op, start: float) -> None:
        loop = asyncio.get_running_loop()
        at = loop.time() - start
        try:
            response = await client.request(
                op.method, op.path(), json=op.body() if op.body else None, headers=op.headers
            )
        except httpx.HTTPError as error:
            self._outcomes.append(Outcome(at, op.name, False, type(error).__name__, loop.time() - start - at))
            return
        ok = response.status_code in op.expected
        if ok and op.on_success:
            op.on_success(response)
        self._outcomes.append(Outcome(at, op.name, ok, str(response.status_code), loop.time() - start - at))
