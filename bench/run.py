"""`make bench`: seed a realistic dataset, run the API the way the chart does (uvicorn, workers = cores), drive
it with wrk at 10 and 100 connections per case, on SQLite and on PostgreSQL, plus a bare asyncpg baseline, and
write the table to docs/benchmarks.md. A benchmark, never a test: it reports, it does not assert."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from triboka_api.migrate import upgrade  # noqa: E402
from triboka_api.settings import Settings  # noqa: E402

from bench.seed import PASSWORD, Dataset, seed  # noqa: E402

BIN = Path(sys.executable).parent
LUA = Path(__file__).parent / "wrk" / "request.lua"
PG_ADMIN = os.environ.get("TRIBOKA_TEST_PG_URL", "postgresql://triboka:triboka@127.0.0.1:5432/postgres")
API_PORT, BASELINE_PORT = 5803, 5804
WORKERS = os.cpu_count() or 2
# a client that waits this long (wrk's default, 2 s, would count slow answers of the 2 MB exporter list as errors)
WRK_TIMEOUT_SECONDS = 10


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
    url: str, connections: int, seconds: int, method: str = "GET", body: str = "", token: str = ""
) -> dict:
    env = os.environ | {"WRK_METHOD": method, "WRK_BODY": body, "WRK_TOKEN": token}
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


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn workers)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, AttributeError):
            continue
    return total / 1024


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
            return "\n\n".join(plans)
        finally:
            await conn.close()

    return asyncio.run(run())


def run_backend(backend: str, seconds: int, workdir: Path) -> tuple[list[Result], dict, str]:
    url = database(backend, workdir)
    settings = Settings(database_url=url, jwt_secret="bench-secret-" + "x" * 32, environment="production")
    upgrade(settings)
    data = seed(settings)
    env = {
        "TRIBOKA_DATABASE_URL": url,
        "TRIBOKA_JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "TRIBOKA_ENVIRONMENT": "production",
        "TRIBOKA_LOG_LEVEL": "info",  # as the chart runs it: one JSON access-log line per request
    }
    api = start(
        [str(BIN / "triboka-api"), "serve", "--port", str(API_PORT), "--workers", str(WORKERS)],
        env,
        workdir / f"api-{backend}.log",
    )
    base = f"http://127.0.0.1:{API_PORT}"
    memory: dict = {}
    results: list[Result] = []
    try:
        wait_http(f"{base}/api/health")
        time.sleep(2)
        memory["idle_mb"] = rss_mb(api.pid)
        tokens = {
            email: login(base, email)
            for email in {data.producer_email, data.writer_email, data.exporter_email}
        }
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
                results.append(
                    Result(
                        backend,
                        case.name,
                        connections,
                        measured["rps"],
                        measured["p50"],
                        measured["p99"],
                        measured["errors"],
                        measured["requests"],
                    )
                )
                print(f"{backend:10} {case.name:45} c={connections:3} {measured}", flush=True)
            memory["load_mb"] = max(memory.get("load_mb", 0), rss_mb(api.pid))
        baseline = ""
        if backend == "postgresql":
            baseline = run_baseline(url, data, seconds, workdir, results)
            baseline += "\n\n" + explain(url, data)
    finally:
        stop(api)
    return results, memory, baseline


def run_baseline(url: str, data: Dataset, seconds: int, workdir: Path, results: list[Result]) -> str:
    env = {"BASELINE_DSN": asyncpg_dsn(url)}
    server = start(
        [
            str(BIN / "uvicorn"),
            "bench.baseline:app",
            "--port",
            str(BASELINE_PORT),
            "--workers",
            str(WORKERS),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env | {"PYTHONPATH": str(ROOT)},
        workdir / "baseline.log",
    )
    try:
        target = f"http://127.0.0.1:{BASELINE_PORT}/api/lots?company={data.producer_company_id}"
        wait_http(target)
        for connections in (10, 100):
            measured = wrk(target, connections, seconds)
            results.append(
                Result(
                    "postgresql",
                    "baseline: Starlette+asyncpg, producer lots",
                    connections,
                    measured["rps"],
                    measured["p50"],
                    measured["p99"],
                    measured["errors"],
                    measured["requests"],
                )
            )
            print(f"baseline c={connections} {measured}", flush=True)
    finally:
        stop(server)
    return "baseline measured"


def report(results: list[Result], memory: dict, plans: str, seconds: int, command: str) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()}: "
        f"{os.cpu_count()} cores, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, "
        f"{platform.platform()}, Python {platform.python_version()}. Load generator: wrk on the same machine, "
        f"{seconds} s per case, 2 threads, {WRK_TIMEOUT_SECONDS} s timeout. API: `triboka-api serve --workers {WORKERS}` "
        "(uvicorn, uvloop, httptools) at log level INFO (one JSON access-log line per request), as the chart runs it; "
        "PostgreSQL 15 from Debian on loopback without TLS (as the chart's in-cluster database), for the API and the "
        "baseline alike.",
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
    bare = {r.connections: r.rps for r in results if r.case.startswith("baseline")}
    if ours and bare:
        lines += [
            "",
            "Producer `GET /api/lots` on PostgreSQL as a share of the bare baseline: "
            + ", ".join(f"{c} connections: {ours[c] / bare[c]:.2f}x" for c in sorted(ours) if c in bare),
        ]
    lines += [
        "",
        "## Memory (RSS of the API supervisor and its workers)",
        "",
        "| backend | idle MB | under load MB |",
        "|---|---:|---:|",
    ]
    lines += [f"| {backend} | {m['idle_mb']:.0f} | {m['load_mb']:.0f} |" for backend, m in memory.items()]
    if plans:
        lines += ["", "## Query plans (PostgreSQL, EXPLAIN ANALYZE)", "", "```", plans, "```"]
    return "\n".join(lines) + "\n"


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
    memory: dict = {}
    plans = ""
    for backend in args.backends.split(","):
        measured, memory[backend], extra = run_backend(backend, args.seconds, workdir)
        results += measured
        plans = plans or extra
    Path(args.output).write_text(
        report(results, memory, plans.replace("baseline measured\n\n", ""), args.seconds, "make bench")
    )
    print(f"bench: wrote {args.output} (logs in {workdir})")


if __name__ == "__main__":
    main()
