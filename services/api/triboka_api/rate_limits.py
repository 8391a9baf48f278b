"""Rate limits and login lockouts: counted in Redis when one is configured (every replica shares the counts), else
in this process's memory (`make run`). No HTTP here: callers get a `Refusal` (or None) and answer it themselves.

Algorithm: the sliding window counter of `limits`. It keeps two counters per client and window (this window's and
the previous one's, weighted by how much of it still overlaps), so memory is constant per client and a hit is one
atomic Lua call in Redis. A fixed window would let a client send twice its budget across a window boundary; the
moving window is exact but keeps one entry per request (600 per client and minute in Redis at the default budget)
and costs O(limit) per hit. The counter's approximation (it assumes the previous window's hits were spread evenly)
errs by at most a few requests, which does not matter for abuse limits.

Redis down: the counts fall back to this process's memory, with one warning, and Redis is tried again every
`REDIS_RETRY_SECONDS`. Limits then hold per worker instead of per deployment (an attacker gets at most one budget per
worker, not unlimited requests), while a 503 would let anyone who can break Redis take the whole API down.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from ipaddress import IPv6Address, ip_address, ip_network
from typing import TypeVar

import limits
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from redis.asyncio import Redis

from triboka_api.settings import Settings

logger = logging.getLogger("triboka_api.rate_limits")

KEY_PREFIX = "triboka:ratelimit"
REDIS_RETRY_SECONDS = 5.0
# exponential lockout of an account: from the LOCKOUT_AFTER-th consecutive failed login the account waits 1 s, then
# 2 s, 4 s ... up to LOCKOUT_MAX_SECONDS; a success resets the count, which is forgotten a day after it started
LOCKOUT_AFTER = 5
LOCKOUT_MAX_SECONDS = 15 * 60
FAILURE_MEMORY_SECONDS = 24 * 60 * 60
# an IPv6 client usually owns a whole /64 and could take a fresh address for every request
IPV6_CLIENT_PREFIX = 64

T = TypeVar("T")


@dataclass(frozen=True)
class Refusal:
    """A request over a limit: when to try again (whole seconds, at least 1) and the limit it hit, if any (a
    lockout is no rate)."""

    retry_after: int
    limit: limits.RateLimitItem | None = None


@dataclass(frozen=True)
class Lockout:
    """A lockout that has just started: the account (normalized e-mail), its consecutive failures, how long."""

    account: str
    failures: int
    seconds: int


def lockout_seconds(failures: int) -> int:
    """How long an account waits after `failures` consecutive failed logins (0: not locked)."""
    if failures < LOCKOUT_AFTER:
        return 0
    return min(1 << (failures - LOCKOUT_AFTER), LOCKOUT_MAX_SECONDS)  # 2**n, typed int (n >= 0)


def client_key(ip: str | None) -> str:
    """The identity a client's budget is counted under: its address, or its /64 for IPv6."""
    if ip is None:
        return "unknown"
    try:
        address = ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, IPv6Address):
        return str(ip_network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(address)


def account_key(email: str) -> str:
    """An account's key in the store: a digest of the normalized e-mail, so keys have a fixed size whatever a
    client sends and Redis holds no addresses."""
    return hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]


def normalize_email(email: str) -> str:
    """The form accounts are looked up by (case-insensitive, surrounding blanks ignored)."""
    return email.strip().lower()


def _retry_after(until: float) -> int:
    return max(1, math.ceil(until - time.time()))


class _Counters:
    """One store and the limiter on it."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.limiter = SlidingWindowCounterRateLimiter(storage)

    async def hit(self, limit: limits.RateLimitItem, identifiers: tuple[str, ...]) -> Refusal | None:
        if await self.limiter.hit(limit, *identifiers):
            return None
        stats = await self.limiter.get_window_stats(limit, *identifiers)
        return Refusal(_retry_after(stats.reset_time), limit)

    async def locked(self, account: str) -> Refusal | None:
        key = f"lockout/locked/{account}"
        if not await self.storage.get(key):
            return None
        return Refusal(_retry_after(await self.storage.get_expiry(key)))

    async def fail(self, account: str) -> int:
        """Count one more failure; start the lockout it earns. Returns the consecutive failures."""
        failures = await self.storage.incr(f"lockout/failures/{account}", FAILURE_MEMORY_SECONDS)
        if seconds := lockout_seconds(failures):
            await self.storage.incr(f"lockout/locked/{account}", seconds)
        return failures

    async def succeed(self, account: str) -> None:
        await self.storage.clear(f"lockout/failures/{account}")


class RateLimits:
    """The limits of one app: the general per-client budget and the auth routes' per-account and per-IP limits,
    counted in Redis (when given) with this process's memory as the fallback."""

    def __init__(self, redis: Redis | None, *, default: str, auth_account: str, auth_ip: str) -> None:
        self.default = limits.parse(default)
        self.auth_account = limits.parse(auth_account)
        self.auth_ip = limits.parse(auth_ip)
        self._local = _Counters(MemoryStorage())
        self._shared = (
            _Counters(
                RedisStorage(
                    "async+redis://",
                    implementation="redispy",
                    key_prefix=KEY_PREFIX,
                    wrap_exceptions=True,
                    # limits types its storage options as scalars, but hands them to redis-py, which takes a pool
                    connection_pool=redis.connection_pool,  # type: ignore[arg-type]
                )
            )
            if redis is not None
            else None
        )
        self._retry_shared_at = 0.0
        self._shared_failing = False

    @classmethod
    def from_settings(cls, settings: Settings, redis: Redis | None) -> RateLimits | None:
        """The app's limits, or None when `TRIBOKA_RATE_LIMIT_ENABLED` is false."""
        if not settings.rate_limit_enabled:
            return None
        return cls(
            redis,
            default=settings.rate_limit_default,
            auth_account=settings.rate_limit_auth_account,
            auth_ip=settings.rate_limit_auth_ip,
        )

    async def hit(self, limit: limits.RateLimitItem, *identifiers: str) -> Refusal | None:
        """Count one request against `limit` for `identifiers`; a Refusal when it is over."""
        return await self._run(lambda counters: counters.hit(limit, identifiers))

    async def locked(self, email: str) -> Refusal | None:
        """The account's running lockout, if any."""
        return await self._run(lambda counters: counters.locked(account_key(email)))

    async def login_failed(self, email: str) -> Lockout | None:
        """Count a failed login; the lockout it starts, if it starts one."""
        failures = await self._run(lambda counters: counters.fail(account_key(email)))
        seconds = lockout_seconds(failures)
        return Lockout(normalize_email(email), failures, seconds) if seconds else None

    async def login_succeeded(self, email: str) -> None:
        await self._run(lambda counters: counters.succeed(account_key(email)))

    async def _run(self, operation: Callable[[_Counters], Awaitable[T]]) -> T:
        """Run on Redis unless it failed within `REDIS_RETRY_SECONDS`; on this process's memory otherwise."""
        if self._shared is not None and time.monotonic() >= self._retry_shared_at:
            try:
                result = await operation(self._shared)
            except StorageError as exc:
                self._retry_shared_at = time.monotonic() + REDIS_RETRY_SECONDS
                if not self._shared_failing:
                    self._shared_failing = True
                    logger.warning(
                        "Redis unavailable, rate limits counted in this process until it answers: %r",
                        exc.storage_error,
                    )
            else:
                if self._shared_failing:
                    self._shared_failing = False
                    logger.warning("Redis answers again, rate limits shared again")
                return result
        return await operation(self._local)
