"""The analytics cache's effect (issue 14): the cached reads (dashboards, analytics, market prices) measured on
one database with the cache off (`TRIBOKA_ANALYTICS_CACHE_SECONDS=0`), on in each process's memory, and on in a
Redis of the run's own, and the ratio of each throughput to the uncached one. No writes happen while it runs, so
with the cache on each answer is computed once (per worker, in memory) and served from the cache after; the
dashboards are cached only in Redis (`api.cached.cached_when_shared`)."""

from __future__ import annotations

from dataclasses import dataclass

from bench.seed import Dataset

ON_SECONDS = "600"
CONNECTIONS = 10
OFF = "off"
IN_PROCESS = "in-process"
REDIS = "Redis"
CONFIGURATIONS = (OFF, IN_PROCESS, REDIS)  # the first is the baseline of the ratios


@dataclass(frozen=True)
class Read:
    name: str
    path: str
    as_user: str | None


def reads(data: Dataset) -> list[Read]:
    return [
        Read("GET /api/dashboard/exporter", "/api/dashboard/exporter", data.exporter_email),
        Read("GET /api/analytics/dashboard (exporter)", "/api/analytics/dashboard", data.exporter_email),
        Read("GET /api/analytics/contracts (exporter)", "/api/analytics/contracts", data.exporter_email),
        Read("GET /api/market/cacao-prices", "/api/market/cacao-prices", None),
    ]


def case_name(read: Read, cache: str) -> str:
    return f"cache {cache}: {read.name}"


def section(rows: dict[tuple[str, str, str], tuple[float, float]]) -> str:
    """`rows`: (backend, read, configuration) -> (req/s, p99 ms). The markdown table with the ratios to OFF."""
    cached = CONFIGURATIONS[1:]
    lines = [
        "## The analytics cache's effect",
        "",
        f"The cached reads on the same database with the cache off (`TRIBOKA_ANALYTICS_CACHE_SECONDS=0`) and on "
        f"(`{ON_SECONDS}`) in each process's memory and in Redis, {CONNECTIONS} connections, no writes meanwhile (a "
        "write starts a new cache generation). The dashboards are cached only in Redis (a write taken by another "
        "worker would leave an in-process copy stale).",
        "",
        "| backend | read | req/s off | "
        + " | ".join(f"req/s {c} | {c}/off | p99 ms {c}" for c in cached)
        + " | p99 ms off |",
        "|---|---|---:|" + "---:|---:|---:|" * len(cached) + "---:|",
    ]
    for backend, read in dict.fromkeys((b, r) for b, r, _ in rows):
        off_rps, off_p99 = rows[(backend, read, OFF)]
        cells = []
        for configuration in cached:
            rps, p99 = rows[(backend, read, configuration)]
            cells.append(
                f"{rps:,.0f} | {rps / off_rps:.2f}x | {p99:.1f}" if off_rps else f"{rps:,.0f} | – | {p99:.1f}"
            )
        lines.append(f"| {backend} | {read} | {off_rps:,.0f} | {' | '.join(cells)} | {off_p99:.1f} |")
    return "\n".join(lines)
