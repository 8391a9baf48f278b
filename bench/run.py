"""`make bench`: seed a realistic dataset, run the API the way the chart does (uvicorn, workers = cores), drive
it with wrk at 10 and 100 connections per case, on SQLite and on PostgreSQL, plus a bare asyncpg baseline; on
PostgreSQL also the web dashboard (signed in through its login form) and one backup run. Each service's memory
(RSS and PSS, idle and under load) and the chart resources that follow from it go with the table to
docs/benchmarks.md. A benchmark, never a test: it reports, it does not assert."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from triboka_api.migrate import upgrade  # noqa: E402
from triboka_api.settings import Settings  # noqa: E402

from bench import cache_effect  # noqa: E402
from bench.memory import SAMPLE_SECONDS, PeakMemory, Usage, memory_of, process_tree  # noqa: E402
from bench.profile import a_worker, profile, table  # noqa: E402
from bench.seed import LOTS, PASSWORD, Dataset, seed  # noqa: E402
from bench.web import (  # noqa: E402
    WEB_WORKERS,
    first_lot_id,
    measure_pages,
    page_cases,
    page_weight,
    ratio_section,
    web_login,
)

BIN = Path(sys.executable).parent
LUA = Path(__file__).parent / "wrk" / "request.lua"
PG_ADMIN = os.environ.get("TRIBOKA_TEST_PG_URL", "postgresql://triboka:triboka@127.0.0.1:5432/postgres")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# free ports and a database of this run's own: the machine may run another bench (another checkout) at once
API_PORT, BASELINE_PORT, WEB_PORT = _free_port(), _free_port(), _free_port()
BENCH_DATABASE = f"triboka_api_bench_{os.getpid()}"
WORKERS = os.cpu_count() or 2
BACKUP_SAMPLE_SECONDS = 0.02  # a backup of the bench database takes about a second
HEADROOM = 1.5  # chart memory limit = PSS under load x HEADROOM
JOB_LIMIT_FLOOR_MB = 256  # the backup job's memory limit is never below this
# a client that waits this long (wrk's default, 2 s, would count slow answers of the 2 MB exporter list as errors)
WRK_TIMEOUT_SECONDS = 10
PROFILE_SECONDS = 15
BASELINE_CASE = "baseline: Starlette+asyncpg, producer lots"
LOTS_CASE = "GET /api/lots (producer, 50 lots)"
GROWTH_CONNECTIONS = 10
# C-13's order, as the API's list statement sorts (domain.lot_list), for the paginated plans
PAGE_SQL = "SELECT id FROM producer_lots ORDER BY harvest_date DESC NULLS LAST, id DESC"


@dataclass
class Result:
    backend: str
    case: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int

    @classmethod
    def of(cls, backend: str, case: str, connections: int, measured: dict) -> Result:
        """A row from `wrk`'s parsed output."""
        keys = ("rps", "p50", "p99", "errors", "requests")
        return cls(backend, case, connections, *(measured[key] for key in keys))


@dataclass
class Memory:
    backend: str
    service: str
    idle: Usage | None  # None: a job, never idle
    load: Usage
    chart: str  # the chart's values key whose resources this service sets
    note: str = ""
    worker_idle: Usage | None = None  # one worker of a `--workers N` server, idle


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    method: str = "GET"
    body: str = ""
    as_user: str | None = None


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    url: str,
    connections: int,
    seconds: int,
    method: str = "GET",
    body: str = "",
    token: str = "",
    cookie: str = "",
) -> dict:
    env = os.environ | {"WRK_METHOD": method, "WRK_BODY": body, "WRK_TOKEN": token, "WRK_COOKIE": cookie}
    out = subprocess.run(
        [
            *("wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s"),
            *("--timeout", f"{WRK_TIMEOUT_SECONDS}s", "--latency", "-s", str(LUA), url),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)", out, re.MULTILINE))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
        "requests": requests,
        "errors": errors + (int(non2xx.group(1)) if non2xx else 0),
    }


def wait_http(url: str, timeout: float = 300) -> None:
    """Until `url` answers; workers importing the app on a busy machine took over a minute to come up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


def login(base: str, email: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/auth/login",
        data=json.dumps({"email": email, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())["access_token"]


def cases(data: Dataset) -> list[Case]:
    lot = json.dumps(
        {
            "producer_company_id": data.writer_company_id,
            "farm_name": "Bench",
            "location": "Chone",
            "product_type": "Cacao CCN51",
            "weight_kg": 1000,
            "quality_grade": "A",
            "harvest_date": "2026-10-01",
            "certifications": ["Organic"],
        }
    )
    return [
        Case("GET /api/health", "/api/health"),
        Case(LOTS_CASE, "/api/lots", as_user=data.producer_email),
        Case(
            "GET /api/lots?status&min_weight (exporter)",
            "/api/lots?status=available&min_weight=4000",
            as_user=data.exporter_email,
        ),
        Case("GET /api/lots/id/{code}", f"/api/lots/id/{data.lot_code}"),
        Case("GET /api/dashboard/exporter", "/api/dashboard/exporter", as_user=data.exporter_email),
        Case("POST /api/lots", "/api/lots", "POST", lot, as_user=data.writer_email),
        Case(
            "POST /api/contracts/{id}/fixations",
            f"/api/contracts/{data.fixation_contract_id}/fixations",
            "POST",
            json.dumps({"fixed_quantity_mt": 0.01, "spot_price_usd": 3200}),
            as_user=data.exporter_email,
        ),
    ]


def growth_cases(data: Dataset) -> list[Case]:
    """The paginated and single-object reads, which should cost the same at any size of the data (issue 16, 5)."""
    return [
        Case(LOTS_CASE, "/api/lots", as_user=data.producer_email),
        Case(
            "GET /api/lots?limit=50 (exporter, first page)", "/api/lots?limit=50", as_user=data.exporter_email
        ),
        Case(
            "GET /api/lots?status&limit=50&offset=500 (exporter)",
            "/api/lots?status=available&limit=50&offset=500",
            as_user=data.exporter_email,
        ),
        Case("GET /api/lots/{id} (exporter)", f"/api/lots/{data.lot_id}", as_user=data.exporter_email),
        Case("GET /api/lots/id/{code}", f"/api/lots/id/{data.lot_code}"),
        Case(
            "GET /api/trace/timeline/lot/{id} (producer)",
            "/api/trace/timeline/lot/1",
            as_user=data.producer_email,
        ),
    ]


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args, env=os.environ | env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=60)


async def _pg(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def database(backend: str, workdir: Path) -> str:
    if backend == "sqlite":
        for stale in workdir.glob("bench.db*"):  # a fresh database for every dataset (and its WAL files)
            stale.unlink()
        return f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    asyncio.run(_pg(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)"))
    asyncio.run(_pg(f"CREATE DATABASE {BENCH_DATABASE}"))
    # no TLS to the database, as the chart's in-cluster PostgreSQL (Debian's server here has it on by default)
    server = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{server}/{BENCH_DATABASE}?ssl=disable"


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL of `database` as a plain asyncpg DSN."""
    return url.replace("+asyncpg", "").replace("ssl=disable", "sslmode=disable")


def explain(url: str, data: Dataset, title: str = "## Query plans (PostgreSQL, EXPLAIN ANALYZE)") -> str:
    async def run() -> str:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            from bench.baseline import LOTS_SQL

            plans = []
            for query, sql, args in (
                ("producer lots", LOTS_SQL, [data.producer_company_id]),
                (
                    "status + min_weight",
                    "SELECT id FROM producer_lots WHERE status = $1 AND weight_kg >= $2 "
                    "ORDER BY harvest_date DESC NULLS LAST, id DESC",
                    ["available", 4000],
                ),
                ("first page", f"{PAGE_SQL} LIMIT 50", []),
                (
                    "status page",
                    f"{PAGE_SQL.replace('ORDER', 'WHERE status = $1 ORDER')} LIMIT 50 OFFSET 500",
                    ["available"],
                ),
            ):
                rows = await conn.fetch(f"EXPLAIN ANALYZE {sql}", *args)
                plans.append(f"-- {query}\n" + "\n".join(r[0] for r in rows))
            return "\n".join([title, "", "```", *plans, "```"])
        finally:
            await conn.close()

    return asyncio.run(run())


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process tree (utime + stime)."""
    ticks = 0
    for current in process_tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def settle(pid: int, timeout: float = 120) -> None:
    """Wait until the server has worked off what the last case left in flight (wrk stops sending, but queued
    requests, e.g. 100 of the 2 MB exporter list, still run for seconds and would land in the next case)."""
    deadline = time.monotonic() + timeout
    used = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        used, before = cpu_seconds(pid), used
        if used - before < 0.05:  # under 10% of one core
            return


def seeded(backend: str, workdir: Path, lots: int) -> tuple[str, Settings, Dataset]:
    """A fresh database of `lots` lots: its URL, the settings the API runs with, the dataset."""
    url = database(backend, workdir)
    settings = Settings(
        database_url=url,
        jwt_secret="bench-secret-" + "x" * 32,
        encryption_keys="bench:" + "A" * 43,
        environment="production",
    )
    upgrade(settings)
    started = time.monotonic()
    data = seed(settings, lots)
    print(f"{backend:10} seeded {lots:,} lots in {time.monotonic() - started:.1f} s", flush=True)
    return url, settings, data


def api_environment(settings: Settings) -> dict[str, str]:
    """The API's environment on `settings`' database, as the chart runs it."""
    return {
        "TRIBOKA_DATABASE_URL": settings.database_url,
        "TRIBOKA_JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "TRIBOKA_ENCRYPTION_KEYS": settings.encryption_keys.get_secret_value(),
        "TRIBOKA_ENVIRONMENT": "production",
        "TRIBOKA_LOG_LEVEL": "info",  # as the chart runs it: one JSON access-log line per request
        # wrk is one client: budgets it cannot reach keep the limiter's cost in the figures, not its 429s
        "TRIBOKA_RATE_LIMIT_DEFAULT": "100000000/minute",
        "TRIBOKA_RATE_LIMIT_AUTH_ACCOUNT": "100000000/minute",
        "TRIBOKA_RATE_LIMIT_AUTH_IP": "100000000/minute",
    }


def serve_api(settings: Settings, log: Path, **extra_env: str) -> subprocess.Popen:
    """The API on `settings`' database as the chart runs it, with `extra_env` on top."""
    env = api_environment(settings) | extra_env
    return start(
        [str(BIN / "triboka-api"), "serve", "--port", str(API_PORT), "--workers", str(WORKERS)], env, log
    )


def start_api(backend: str, workdir: Path, lots: int) -> tuple[str, Dataset, subprocess.Popen]:
    """A fresh database of `lots` lots and the API on it, as the chart runs it: the URL, the dataset, the server."""
    url, settings, data = seeded(backend, workdir, lots)
    return url, data, serve_api(settings, workdir / f"api-{backend}-{lots}.log")


def run_backend(backend: str, seconds: int, workdir: Path) -> tuple[list[Result], list[Memory], list[str]]:
    """The cases on one backend; on PostgreSQL also the worker profile, the baseline, the query plans, the web
    and the backup job. Returns the results, the memory figures and extra report sections (markdown)."""
    url, data, api = start_api(backend, workdir, LOTS)
    base = f"http://127.0.0.1:{API_PORT}"
    memory: list[Memory] = []
    results: list[Result] = []
    try:
        wait_http(f"{base}/api/health")
        time.sleep(2)
        idle, worker_idle = memory_of(api.pid), memory_of(a_worker(api.pid))
        tokens = {
            email: login(base, email)
            for email in {data.producer_email, data.writer_email, data.exporter_email}
        }
        with (
            PeakMemory(api.pid) as api_peak,
            baseline_server(url, data, workdir) if backend == "postgresql" else nullcontext() as baseline,
        ):
            for case in cases(data):
                for connections in (10, 100):
                    measured = wrk(
                        base + case.path,
                        connections,
                        seconds,
                        case.method,
                        case.body,
                        tokens.get(case.as_user, ""),
                    )
                    results.append(Result.of(backend, case.name, connections, measured))
                    print(f"{backend:10} {case.name:45} c={connections:3} {measured}", flush=True)
                    settle(api.pid)
                    if baseline and case.path == "/api/lots" and case.as_user == data.producer_email:
                        # right after ours, so that both see the same machine
                        measured = wrk(baseline, connections, seconds)
                        results.append(Result.of(backend, BASELINE_CASE, connections, measured))
                        print(f"{backend:10} {BASELINE_CASE:45} c={connections:3} {measured}", flush=True)
        memory.append(Memory(backend, "API", idle, api_peak.peak, "api", worker_idle=worker_idle))
        sections: list[str] = []
        if backend == "postgresql":
            sections.append(
                profile_section(api.pid, base + "/api/lots", tokens[data.producer_email], workdir)
            )
            sections.append(explain(url, data))
            web_memory, web_sections = run_web(base, api.pid, data, tokens, seconds, workdir, results)
            memory.append(web_memory)
            sections += web_sections
            memory.append(run_backup(url, workdir))
    finally:
        stop(api)
    return results, memory, sections


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """A private redis-server on a free loopback port, without persistence: its URL."""
    port = _free_port()
    server = start(
        [
            *("redis-server", "--bind", "127.0.0.1", "--port", str(port)),
            *("--save", "", "--appendonly", "no", "--dir", str(workdir)),
        ],
        {},
        workdir / "redis.log",
    )
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(server)


def run_cache_effect(
    backend: str, seconds: int, workdir: Path
) -> tuple[list[Result], dict[tuple[str, str, str], tuple[float, float]]]:
    """`bench.cache_effect`'s reads on one seeded database, the API started with each of its configurations; the
    results and the rows of `cache_effect.section`."""
    _, settings, data = seeded(backend, workdir, LOTS)
    base = f"http://127.0.0.1:{API_PORT}"
    results: list[Result] = []
    rows: dict[tuple[str, str, str], tuple[float, float]] = {}
    with redis_server(workdir) as redis_url:
        environments = {
            cache_effect.OFF: {"TRIBOKA_ANALYTICS_CACHE_SECONDS": "0"},
            cache_effect.IN_PROCESS: {"TRIBOKA_ANALYTICS_CACHE_SECONDS": cache_effect.ON_SECONDS},
            cache_effect.REDIS: {
                "TRIBOKA_ANALYTICS_CACHE_SECONDS": cache_effect.ON_SECONDS,
                "TRIBOKA_REDIS_URL": redis_url,
            },
        }
        for configuration in cache_effect.CONFIGURATIONS:
            log = workdir / f"api-{backend}-cache-{configuration}.log"
            api = serve_api(settings, log, **environments[configuration])
            try:
                wait_http(f"{base}/api/health")
                readings = cache_effect.reads(data)
                tokens = {email: login(base, email) for email in {r.as_user for r in readings if r.as_user}}
                for read in readings:
                    token = tokens[read.as_user] if read.as_user else ""
                    out = wrk(base + read.path, cache_effect.CONNECTIONS, seconds, token=token)
                    name = cache_effect.case_name(read, configuration)
                    results.append(Result.of(backend, name, cache_effect.CONNECTIONS, out))
                    rows[(backend, read.name, configuration)] = (out["rps"], out["p99"])
                    print(f"{backend:10} {name:60} {out}", flush=True)
                    settle(api.pid)
            finally:
                stop(api)
    return results, rows


@dataclass
class Growth:
    lots: int
    result: Result


def run_growth(backend: str, seconds: int, workdir: Path, lots: int) -> tuple[list[Growth], str]:
    """The growth cases on a fresh database of `lots` lots; on PostgreSQL also the query plans at that size."""
    url, data, api = start_api(backend, workdir, lots)
    base = f"http://127.0.0.1:{API_PORT}"
    measured: list[Growth] = []
    try:
        wait_http(f"{base}/api/health")
        tokens = {email: login(base, email) for email in {data.producer_email, data.exporter_email}}
        for case in growth_cases(data):
            out = wrk(base + case.path, GROWTH_CONNECTIONS, seconds, token=tokens.get(case.as_user, ""))
            measured.append(Growth(lots, Result.of(backend, case.name, GROWTH_CONNECTIONS, out)))
            print(f"{backend:10} {lots:>9,} lots {case.name:50} {out}", flush=True)
            settle(api.pid)
        plans = "" if backend != "postgresql" else explain(url, data, f"### Query plans at {lots:,} lots")
    finally:
        stop(api)
    return measured, plans


# issue 16's starting point, measured by `make bench` on 2026-11-28 (quiet machine) and the issue's targets
BEFORE = {
    "lots share": "0.49x / 0.51x",
    "POST /api/lots": "109 req/s, p99 1,500 ms",
    "POST /api/contracts/{id}/fixations": "200 req/s, p99 817 ms",
    "worker PSS": "~110 MiB",
}
SQLITE_LOTS_PER_WORKER_BEFORE = (609 / 2, 628 / 2)  # req/s at 10 / 100 connections, 2 workers then


def goals_report(results: list[Result], memory: list[Memory], growth: list[Growth]) -> list[str]:
    """Issue 16's goals: this run's figure beside the starting point and the target."""
    pg = {(r.case, r.connections): r for r in results if r.backend == "postgresql"}
    ours = [pg.get((LOTS_CASE, n)) for n in (10, 100)]
    bare = [pg.get((BASELINE_CASE, n)) for n in (10, 100)]
    share = " / ".join(f"{o.rps / b.rps:.2f}x" if o and b else "–" for o, b in zip(ours, bare, strict=True))
    lines = [
        "## Issue 16's goals",
        "",
        "| goal | this run | before (2026-11-28) | target |",
        "|---|---|---|---|",
        f"| 1. producer `GET /api/lots` (PostgreSQL) as a share of the bare baseline, 10 / 100 connections | "
        f"{share} | {BEFORE['lots share']} | >= 0.8x |",
    ]
    lite = {(r.case, r.connections): r for r in results if r.backend == "sqlite"}
    sqlite = [lite.get((LOTS_CASE, n)) for n in (10, 100)]
    before = SQLITE_LOTS_PER_WORKER_BEFORE
    per_worker = " / ".join(
        f"{r.rps / WORKERS:,.0f} ({r.rps / WORKERS / b:.2f}x)" if r else "–"
        for r, b in zip(sqlite, before, strict=True)
    )
    lines.append(
        f"| 1. the same route on SQLite, req/s per worker (of {WORKERS}), 10 / 100 connections | {per_worker} | "
        f"{before[0]:,.0f} / {before[1]:,.0f} | >= 2x |"
    )
    for case in ("POST /api/lots", "POST /api/contracts/{id}/fixations"):
        row = pg.get((case, 100))
        figure = f"{row.rps:,.0f} req/s, p99 {row.p99_ms:,.0f} ms" if row else "–"
        lines.append(
            f"| 2. `{case}`, PostgreSQL, 100 connections | {figure} | {BEFORE[case]} | 2x req/s, p99 <= 300 ms |"
        )
    sizes = sorted({g.lots for g in growth})
    if len(sizes) > 1:
        p99 = {(g.result.backend, g.result.case, g.lots): g.result.p99_ms for g in growth}
        worst = max(
            p99.get((b, c, sizes[-1]), math.nan) / p99[(b, c, sizes[0])] for (b, c, n) in p99 if n == sizes[0]
        )
        lines.append(
            f"| 5. worst p99 ratio of a paginated or single-object read, {sizes[-1]:,} vs {sizes[0]:,} lots | "
            f"{worst:.2f}x | – | <= 1.5x |"
        )
    for m in memory:
        if m.worker_idle:
            lines.append(
                f"| 6. idle PSS of one API worker ({m.backend}) | {m.worker_idle.pss_mb:.0f} MiB | "
                f"{BEFORE['worker PSS']} | lower |"
            )
    return lines


def growth_report(growth: list[Growth], plans: list[str]) -> list[str]:
    sizes = sorted({g.lots for g in growth})
    p99 = {(g.result.backend, g.result.case, g.lots): g.result.p99_ms for g in growth}
    rps = {(g.result.backend, g.result.case, g.lots): g.result.rps for g in growth}
    lines = [
        "",
        "## Growth with data",
        "",
        f"The paginated and single-object reads on fresh databases of {', '.join(f'{n:,}' for n in sizes)} lots "
        f"(a trace event each), {GROWTH_CONNECTIONS} connections; the goal: p99 at the largest size within 1.5x of "
        "the smallest's (`make bench BENCH_LOTS=10000,100000,1000000` adds the million).",
        "",
        "| backend | case | " + " | ".join(f"p99 ms @ {n:,}" for n in sizes) + " | p99 ratio | req/s ratio |",
        "|---|---|" + "---:|" * (len(sizes) + 2),
    ]
    for backend, case in dict.fromkeys((g.result.backend, g.result.case) for g in growth):
        first, last = (backend, case, sizes[0]), (backend, case, sizes[-1])
        cells = " | ".join(f"{p99.get((backend, case, n), math.nan):.1f}" for n in sizes)
        ratio = p99.get(last, math.nan) / p99[first]
        lines.append(
            f"| {backend} | {case} | {cells} | {ratio:.2f}x | {rps.get(last, math.nan) / rps[first]:.2f}x |"
        )
    return lines + [section for plan in plans if plan for section in ("", plan)]


def profile_section(supervisor: int, url: str, token: str, workdir: Path) -> str:
    """py-spy on one worker while wrk drives the producer's lot list at 100 connections."""
    samples = profile(
        supervisor,
        PROFILE_SECONDS,
        lambda: wrk(url, 100, PROFILE_SECONDS + 3, token=token),
        workdir / "producer-lots.pyspy",
    )
    return "\n".join(
        [
            "## Where a worker's time goes (producer `GET /api/lots`, PostgreSQL, 100 connections)",
            "",
            f"py-spy samples of one uvicorn worker for {PROFILE_SECONDS} s, each charged to the innermost frame of a "
            "known layer (bench/profile.py); C code is charged to its Python caller: asyncpg's share is mostly the "
            "`write` system call that sends the query, the event loop's the HTTP socket work.",
            "",
            *table(samples),
        ]
    )


def run_web(
    api: str,
    api_pid: int,
    data: Dataset,
    tokens: dict[str, str],
    seconds: int,
    workdir: Path,
    results: list[Result],
) -> tuple[Memory, list[str]]:
    """The dashboard as the chart runs it, against the bench API: each page of bench/web.py beside the API calls
    it makes (10 connections), then the dashboard's bytes on the wire in Chromium. Its memory, and the report's
    sections."""
    env = {
        "TRIBOKA_WEB_API_URL": api,
        "TRIBOKA_WEB_SECRET_KEY": "bench-web-secret-" + "x" * 32,
        "TRIBOKA_WEB_ENVIRONMENT": "production",
        "TRIBOKA_WEB_LOG_LEVEL": "info",
        "TRIBOKA_WEB_COOKIE_SECURE": "false",  # plain HTTP on loopback: a Secure cookie would not be sent back
    }
    web = start(
        [str(BIN / "triboka-web"), "serve", "--port", str(WEB_PORT), "--workers", str(WEB_WORKERS)],
        env,
        workdir / "web.log",
    )
    base = f"http://127.0.0.1:{WEB_PORT}"
    try:
        wait_http(f"{base}/health")
        time.sleep(2)
        idle = memory_of(web.pid)
        cases = page_cases(data, first_lot_id(api, tokens[data.producer_email]))

        def run(url: str, token: str = "", cookie: str = "") -> dict:
            return wrk(url, 10, seconds, token=token, cookie=cookie)

        def idle_again() -> None:
            settle(web.pid)
            settle(api_pid)

        with PeakMemory(web.pid) as peak:
            rows, ratios = measure_pages(base, api, cases, tokens, run, idle_again)
        results += [Result.of("postgresql", f"web: GET {case.name}", 10, measured) for case, measured in rows]
        sections = [ratio_section(ratios), page_weight(base, web_login(base, data.producer_email))]
    finally:
        stop(web)
    return Memory("postgresql", f"web ({WEB_WORKERS} workers)", idle, peak.peak, "web"), sections


def run_backup(url: str, workdir: Path) -> Memory:
    """One `triboka-backup run` of the bench database into a scratch directory, under `bench.memory peak`: the
    sampled peak of its tree (python and pg_dump run side by side in the job's container) and the kernel's maxrss
    of its largest process."""
    target = Path(tempfile.mkdtemp(prefix="backup-", dir=workdir))
    env = {"TRIBOKA_BACKUP_DATABASE_URL": asyncpg_dsn(url), "TRIBOKA_BACKUP_TARGET_DIR": str(target)}
    log = workdir / "backup.log"
    with log.open("w") as stderr:
        job = subprocess.run(
            [
                *(sys.executable, "-m", "bench.memory", "peak", "--interval", str(BACKUP_SAMPLE_SECONDS)),
                *("--", str(BIN / "triboka-backup"), "run"),
            ],
            env=os.environ | env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    if job.returncode != 0:
        raise RuntimeError(f"triboka-backup run exited {job.returncode}: see {log}")
    measured = json.loads(job.stdout)
    size = sum(f.stat().st_size for f in target.rglob("*.pgdump"))
    note = (
        f"kernel maxrss of its largest process {measured['maxrss_mb']:.0f} MiB, dump {size / 2**20:.1f} MiB"
    )
    print(f"backup {measured} dump {size} bytes", flush=True)
    peak = Usage(measured["rss_mb"], measured["pss_mb"])
    return Memory("postgresql", "backup job (peak during a run)", None, peak, "backup", note)


@contextmanager
def baseline_server(url: str, data: Dataset, workdir: Path) -> Iterator[str]:
    """The bare baseline, serving beside the API (idle until measured): its URL for the producer's lots."""
    server = start(
        [
            *(
                str(BIN / "uvicorn"),
                "bench.baseline:app",
                "--port",
                str(BASELINE_PORT),
                "--workers",
                str(WORKERS),
            ),
            *("--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"),
        ],
        {"BASELINE_DSN": asyncpg_dsn(url), "PYTHONPATH": str(ROOT)},
        workdir / "baseline.log",
    )
    try:
        target = f"http://127.0.0.1:{BASELINE_PORT}/api/lots?company={data.producer_company_id}"
        wait_http(target)
        yield target
    finally:
        stop(server)


def report(
    results: list[Result], memory: list[Memory], sections: list[str], seconds: int, command: str
) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()}: "
        f"{os.cpu_count()} cores, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, "
        f"{platform.platform()}, Python {platform.python_version()}. Load generator: wrk on the same machine, "
        f"{seconds} s per case, 2 threads, {WRK_TIMEOUT_SECONDS} s timeout. API: `triboka-api serve --workers {WORKERS}` "
        "(uvicorn, uvloop, httptools) at log level INFO (one JSON access-log line per request), as the chart runs it; "
        "PostgreSQL 15 from Debian on loopback without TLS (as the chart's in-cluster database), for the API and the "
        f"baseline alike. Web (PostgreSQL run): `triboka-web serve --workers {WEB_WORKERS}` at log level INFO "
        "against the bench API, the producer signed in through the login form, wrk sending the session cookie.",
        "",
        f"Command: `{command}`",
        "",
        "| backend | case | connections | req/s | p50 ms | p99 ms | errors | requests |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.backend} | {r.case} | {r.connections} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
        f"{r.errors} | {r.requests:,} |"
        for r in results
    ]
    ours = {
        r.connections: r.rps
        for r in results
        if r.backend == "postgresql" and r.case.startswith("GET /api/lots (producer")
    }
    bare = {r.connections: r.rps for r in results if r.case == BASELINE_CASE}
    if ours and bare:
        lines += [
            "",
            "Producer `GET /api/lots` on PostgreSQL as a share of the bare baseline: "
            + ", ".join(f"{c} connections: {ours[c] / bare[c]:.2f}x" for c in sorted(ours) if c in bare),
        ]
    lines += memory_report(memory)
    for section in sections:
        lines += ["", section]
    return "\n".join(lines) + "\n"


def ceil_to(mib: float, step: int) -> int:
    return max(step, math.ceil(mib / step) * step)


def memory_report(memory: list[Memory]) -> list[str]:
    def idle(m: Memory) -> str:
        return "– | –" if m.idle is None else f"{m.idle.rss_mb:.0f} | {m.idle.pss_mb:.0f}"

    lines = [
        "",
        "## Memory",
        "",
        "Per service, summed over its process tree (uvicorn's supervisor, workers and multiprocessing resource "
        "tracker; the backup job and its `pg_dump`), from `/proc/<pid>/smaps_rollup`. RSS counts a page that "
        "several processes map (the interpreter, shared libraries) once in each; PSS divides it between them, "
        "which is closer to what the container is charged. Idle: 2 s after start, before any request. Under "
        f"load: the highest value sampled every {SAMPLE_SECONDS} s while wrk ran (API: its own cases above, both "
        "connection counts; web: its case). Backup job: the highest value sampled every "
        f"{BACKUP_SAMPLE_SECONDS} s during one `triboka-backup run` of the bench database into a local directory "
        "(no S3, no encryption), python and `pg_dump` together. On this host the interpreter and libraries are "
        "also mapped by processes outside a service's tree (the bench itself, the other services from the same "
        "virtualenv), so PSS reads a few MiB lower than in a container of its own; the pages only its own "
        "processes touch (nearly all of it) are counted in full.",
        "",
        "| backend | service | idle RSS MiB | idle PSS MiB | under load RSS MiB | under load PSS MiB |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {m.backend} | {m.service} | {idle(m)} | {m.load.rss_mb:.0f} | {m.load.pss_mb:.0f} |"
        for m in memory
    ]
    notes = [f"- {m.service}: {m.note}." for m in memory if m.note]
    lines += ["", *notes] if notes else []
    # the chart runs PostgreSQL: its numbers, when measured, else the only backend's
    chosen: dict[str, Memory] = {}
    for m in memory:
        if m.chart not in chosen or m.backend == "postgresql":
            chosen[m.chart] = m
    lines += [
        "",
        "## Chart resources",
        "",
        "The chart's memory requests follow from the idle PSS (what a pod holds for good), its limits from the "
        f"PSS under load plus {HEADROOM - 1:.0%} headroom (Python does not hand freed memory back, and a "
        "container's charge also includes some page cache), rounded up to 16 Mi and 32 Mi. A job is never "
        "idle: the backup's request is its peak RSS (pg_dump included), its limit twice that but at least "
        f"{JOB_LIMIT_FLOOR_MB} Mi, since a larger database streams more through pg_dump. The chart also starts "
        "the API and the web with `--metrics-port` (Prometheus multiprocess mode), which the bench does not. These are the figures to set; `make bench` "
        "does not change the chart.",
        "",
        "| chart values | based on | requests.memory | limits.memory |",
        "|---|---|---:|---:|",
    ]
    for key, m in chosen.items():
        if m.idle:
            basis = f"PSS idle {m.idle.pss_mb:.0f} MiB, under load {m.load.pss_mb:.0f} MiB ({m.backend})"
            request, limit = ceil_to(m.idle.pss_mb, 16), ceil_to(m.load.pss_mb * HEADROOM, 32)
        else:
            basis = f"RSS peak {m.load.rss_mb:.0f} MiB ({m.backend})"
            request = ceil_to(m.load.rss_mb, 32)
            limit = max(2 * request, JOB_LIMIT_FLOOR_MB)
        lines.append(f"| `{key}.resources` | {basis} | {request}Mi | {limit}Mi |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--lots", default=f"{LOTS},100000", help="dataset sizes of the growth cases")
    parser.add_argument(
        "--cache-only", action="store_true", help="only the cache's effect, printed (no report written)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None or shutil.which("redis-server") is None:
        sys.exit("bench: wrk or redis-server is missing (make bench installs them from Debian's packages)")
    workdir = Path(tempfile.mkdtemp(prefix="triboka-bench-"))
    if args.cache_only:
        for backend in args.backends.split(","):
            print(run_cache_effect(backend, args.seconds, workdir)[1])
    else:
        write_report(args, workdir)
    if "postgresql" in args.backends:
        asyncio.run(_pg(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)"))


def write_report(args: argparse.Namespace, workdir: Path) -> None:
    """Every case of `make bench`, into the report at `args.output`."""
    results: list[Result] = []
    memory: list[Memory] = []
    sections: list[str] = []
    for backend in args.backends.split(","):
        measured, used, extra = run_backend(backend, args.seconds, workdir)
        results += measured
        memory += used
        sections += extra
    cache_rows: dict[tuple[str, str, str], tuple[float, float]] = {}
    for backend in args.backends.split(","):
        measured, rows = run_cache_effect(backend, args.seconds, workdir)
        results += measured
        cache_rows |= rows
    sections.append(cache_effect.section(cache_rows))  # one table, both backends
    growth: list[Growth] = []
    plans: list[str] = []
    for backend in args.backends.split(","):
        for lots in (int(n) for n in args.lots.split(",")):
            measured_growth, plan = run_growth(backend, max(10, args.seconds // 2), workdir, lots)
            growth += measured_growth
            plans.append(plan)
    sections.insert(0, "\n".join(growth_report(growth, plans)).lstrip("\n"))
    sections.insert(0, "\n".join(goals_report(results, memory, growth)))
    Path(args.output).write_text(report(results, memory, sections, args.seconds, "make bench"))
    print(f"bench: wrote {args.output} (logs in {workdir})")


if __name__ == "__main__":
    main()
