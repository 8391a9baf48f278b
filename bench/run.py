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

from bench.memory import SAMPLE_SECONDS, PeakMemory, Usage, memory_of, process_tree  # noqa: E402
from bench.profile import profile, table  # noqa: E402
from bench.seed import PASSWORD, Dataset, seed  # noqa: E402
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
API_PORT, BASELINE_PORT, WEB_PORT = 5803, 5804, 5805
WORKERS = os.cpu_count() or 2
BACKUP_SAMPLE_SECONDS = 0.02  # a backup of the bench database takes about a second
HEADROOM = 1.5  # chart memory limit = PSS under load x HEADROOM
JOB_LIMIT_FLOOR_MB = 256  # the backup job's memory limit is never below this
# a client that waits this long (wrk's default, 2 s, would count slow answers of the 2 MB exporter list as errors)
WRK_TIMEOUT_SECONDS = 10
PROFILE_SECONDS = 15
BASELINE_CASE = "baseline: Starlette+asyncpg, producer lots"


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


def wait_http(url: str, timeout: float = 60) -> None:
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
        Case("GET /api/lots (producer, 50 lots)", "/api/lots", as_user=data.producer_email),
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
        return f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    asyncio.run(_pg("DROP DATABASE IF EXISTS triboka_api_bench WITH (FORCE)"))
    asyncio.run(_pg("CREATE DATABASE triboka_api_bench"))
    # no TLS to the database, as the chart's in-cluster PostgreSQL (Debian's server here has it on by default)
    server = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{server}/triboka_api_bench?ssl=disable"


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL of `database` as a plain asyncpg DSN."""
    return url.replace("+asyncpg", "").replace("ssl=disable", "sslmode=disable")


def explain(url: str, data: Dataset) -> str:
    async def run() -> str:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            from bench.baseline import LOTS_SQL

            plans = []
            for title, sql, args in (
                ("producer lots", LOTS_SQL, [data.producer_company_id]),
                (
                    "status + min_weight",
                    "SELECT id FROM producer_lots WHERE status = $1 AND weight_kg >= $2 "
                    "ORDER BY harvest_date DESC NULLS LAST, id DESC",
                    ["available", 4000],
                ),
            ):
                rows = await conn.fetch(f"EXPLAIN ANALYZE {sql}", *args)
                plans.append(f"-- {title}\n" + "\n".join(r[0] for r in rows))
            return "\n".join(["## Query plans (PostgreSQL, EXPLAIN ANALYZE)", "", "```", *plans, "```"])
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


def run_backend(backend: str, seconds: int, workdir: Path) -> tuple[list[Result], list[Memory], list[str]]:
    """The cases on one backend; on PostgreSQL also the worker profile, the baseline, the query plans, the web
    and the backup job. Returns the results, the memory figures and extra report sections (markdown)."""
    url = database(backend, workdir)
    settings = Settings(database_url=url, jwt_secret="bench-secret-" + "x" * 32, environment="production")
    upgrade(settings)
    data = seed(settings)
    env = {
        "TRIBOKA_DATABASE_URL": url,
        "TRIBOKA_JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "TRIBOKA_ENVIRONMENT": "production",
        "TRIBOKA_LOG_LEVEL": "info",  # as the chart runs it: one JSON access-log line per request
        # wrk is one client: budgets it cannot reach keep the limiter's cost in the figures, not its 429s
        "TRIBOKA_RATE_LIMIT_DEFAULT": "100000000/minute",
        "TRIBOKA_RATE_LIMIT_AUTH_ACCOUNT": "100000000/minute",
        "TRIBOKA_RATE_LIMIT_AUTH_IP": "100000000/minute",
    }
    api = start(
        [str(BIN / "triboka-api"), "serve", "--port", str(API_PORT), "--workers", str(WORKERS)],
        env,
        workdir / f"api-{backend}.log",
    )
    base = f"http://127.0.0.1:{API_PORT}"
    memory: list[Memory] = []
    results: list[Result] = []
    try:
        wait_http(f"{base}/api/health")
        time.sleep(2)
        idle = memory_of(api.pid)
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
        memory.append(Memory(backend, "API", idle, api_peak.peak, "api"))
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
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench: wrk is missing (make bench installs it from Debian's packages)")
    workdir = Path(tempfile.mkdtemp(prefix="triboka-bench-"))
    results: list[Result] = []
    memory: list[Memory] = []
    sections: list[str] = []
    for backend in args.backends.split(","):
        measured, used, extra = run_backend(backend, args.seconds, workdir)
        results += measured
        memory += used
        sections += extra
    Path(args.output).write_text(report(results, memory, sections, args.seconds, "make bench"))
    print(f"bench: wrote {args.output} (logs in {workdir})")


if __name__ == "__main__":
    main()
