"""Issue 16, goal 2: the write cases of `make bench` on PostgreSQL, this checkout against others (the starting point,
an intermediate step), all served at once on databases of their own and measured in turns (the order flips every
round), so that the ratios come from the same minutes of a shared machine. Besides wrk's req/s and p99: the API's CPU time per
request (its process tree's, from /proc) and the load average, which say what a loaded machine's req/s cannot.

    git archive main services/api | tar -x -C /tmp/main
    .venv/bin/python -m bench.writes --compare main=/tmp/main/services/api

A benchmark, never a test: it reports, it does not assert."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from triboka_api.settings import Settings

from bench.profile import profile, table
from bench.run import (
    BENCH_DATABASE,
    BIN,
    PG_ADMIN,
    WORKERS,
    _free_port,
    _pg,
    api_environment,
    cases,
    cpu_seconds,
    login,
    settle,
    start,
    stop,
    wait_http,
    wrk,
)
from bench.seed import LOTS, Dataset, seed

JWT_SECRET = "bench-secret-" + "x" * 32
ENCRYPTION_KEYS = "bench:" + "A" * 43
WRITE_CASES = ("POST /api/lots", "POST /api/contracts/{id}/fixations")


@dataclass
class Side:
    name: str
    pythonpath: str  # "" for this checkout
    port: int = field(default_factory=_free_port)

    @property
    def database(self) -> str:
        return f"{BENCH_DATABASE}_{self.name}"

    @property
    def url(self) -> str:
        server = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        return f"{server}/{self.database}?ssl=disable"

    @property
    def settings(self) -> Settings:
        return Settings(
            database_url=self.url,
            jwt_secret=JWT_SECRET,
            encryption_keys=ENCRYPTION_KEYS,
            environment="production",
        )

    def env(self) -> dict[str, str]:
        env = api_environment(self.settings)
        return env | ({"PYTHONPATH": self.pythonpath} if self.pythonpath else {})


def prepare(side: Side, lots: int) -> Dataset:
    """A fresh database migrated by the side's own code, then the bench's dataset (same rows on both sides)."""
    asyncio.run(_pg(f"DROP DATABASE IF EXISTS {side.database} WITH (FORCE)"))
    asyncio.run(_pg(f"CREATE DATABASE {side.database}"))
    subprocess.run([str(BIN / "triboka-api"), "migrate"], env=os.environ | side.env(), check=True)
    return seed(side.settings, lots)


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--compare", action="append", default=[], help="NAME=DIR: another checkout's services/api, as NAME"
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", default="100")
    parser.add_argument("--lots", type=int, default=LOTS)
    parser.add_argument(
        "--case", action="append", default=[], help="a case of make bench by name (default: the two writes)"
    )
    parser.add_argument(
        "--profile", type=int, default=0, help="then py-spy a worker of this checkout (seconds)"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="triboka-bench-writes-"))
    sides = [Side(n, str(Path(d).resolve())) for n, d in (c.split("=", 1) for c in args.compare)]
    sides.append(Side("this", ""))
    data = {side.name: prepare(side, args.lots) for side in sides}
    servers = {
        side.name: start(
            [str(BIN / "triboka-api"), "serve", "--port", str(side.port), "--workers", str(WORKERS)],
            side.env(),
            workdir / f"api-{side.name}.log",
        )
        for side in sides
    }
    rows = ["| round | case | conn. | side | req/s | p50 ms | p99 ms | errors | API CPU ms/req | load |"]
    rows.append("|---:|---|---:|---|---:|---:|---:|---:|---:|---:|")
    try:
        tokens = {}
        for side in sides:
            base = f"http://127.0.0.1:{side.port}"
            wait_http(f"{base}/api/health")
            dataset = data[side.name]
            users = (dataset.producer_email, dataset.writer_email, dataset.exporter_email)
            tokens[side.name] = {email: login(base, email) for email in users}
        for number in range(1, args.rounds + 1):
            for case_name in args.case or WRITE_CASES:
                for connections in (int(c) for c in args.connections.split(",")):
                    for side in sides if number % 2 else sides[::-1]:
                        case = next(c for c in cases(data[side.name]) if c.name == case_name)
                        server = servers[side.name]
                        settle(server.pid)
                        used, load = cpu_seconds(server.pid), load_average()
                        measured = wrk(
                            f"http://127.0.0.1:{side.port}{case.path}",
                            connections,
                            args.seconds,
                            case.method,
                            case.body,
                            tokens[side.name][case.as_user],
                        )
                        settle(server.pid)
                        cpu_ms = 1000 * (cpu_seconds(server.pid) - used) / max(measured["requests"], 1)
                        row = (
                            f"| {number} | {case_name} | {connections} | {side.name} | {measured['rps']:.0f} | "
                            f"{measured['p50']:.0f} | {measured['p99']:.0f} | {measured['errors']} | "
                            f"{cpu_ms:.2f} | {load:.1f} |"
                        )
                        rows.append(row)
                        print(row, flush=True)
        if args.profile:
            this = sides[-1]
            for case_name in WRITE_CASES:
                case = next(c for c in cases(data[this.name]) if c.name == case_name)
                settle(servers[this.name].pid)
                samples = profile(
                    servers[this.name].pid,
                    args.profile,
                    lambda case=case: wrk(
                        f"http://127.0.0.1:{this.port}{case.path}",
                        100,
                        args.profile + 5,
                        case.method,
                        case.body,
                        tokens[this.name][case.as_user],
                    ),
                    workdir / f"profile-{case_name.split()[-1].strip('/').replace('/', '-')}.txt",
                )
                rows += [
                    "",
                    f"py-spy, one worker of this checkout, {case_name}, 100 connections:",
                    *table(samples),
                ]
    finally:
        for server in servers.values():
            stop(server)
        for side in sides:
            time.sleep(1)
            asyncio.run(_pg(f"DROP DATABASE IF EXISTS {side.database} WITH (FORCE)"))
    print("\n".join(rows))
    print(f"(logs in {workdir})")


if __name__ == "__main__":
    main()
