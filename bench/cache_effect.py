"""The analytics cache's effect (issue 14): the cached reads (dashboards, analytics, market prices) measured on
one database with the cache on (`TRIBOKA_ANALYTICS_CACHE_SECONDS` = ON_SECONDS) and off (0), in the same run, and
the ratio of their throughputs. No writes happen while it runs, so with the cache on every worker computes each
answer once and serves it from memory after (the in-process store: the bench runs without Redis)."""

from __future__ import annotations

from dataclasses import dataclass

from bench.seed import Dataset

ON_SECONDS = "600"
CONNECTIONS = 10
SETTINGS = {"on": ON_SECONDS, "off": "0"}


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
    """`rows`: (backend, read, on|off) -> (req/s, p99 ms). The markdown table of both and their ratios."""
    lines = [
        "## The analytics cache's effect",
        "",
        f"The cached reads on the same database with `TRIBOKA_ANALYTICS_CACHE_SECONDS={ON_SECONDS}` (on) and `0` "
        f"(off), {CONNECTIONS} connections, no writes meanwhile (a write would start a new cache generation).",
        "",
        "| backend | read | req/s on | req/s off | req/s on/off | p99 ms on | p99 ms off |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for backend, read in dict.fromkeys((b, r) for b, r, _ in rows):
        (on_rps, on_p99), (off_rps, off_p99) = rows[(backend, read, "on")], rows[(backend, read, "off")]
        ratio = f"{on_rps / off_rps:.2f}x" if off_rps else "–"
        lines.append(
            f"| {backend} | {read} | {on_rps:,.0f} | {off_rps:,.0f} | {ratio} | {on_p99:.1f} | {off_p99:.1f} |"
        )
    return "\n".join(lines)
