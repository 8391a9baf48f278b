"""`make bench-backup`: triboka-backup against plain pg_dump -Fc / pg_restore on a ~1 GB database.

A benchmark, not a test: it prints a table and writes docs/benchmarks-backup.md. Goal: within 1.2x.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ADMIN_URL = os.environ.get("TRIBOKA_TEST_PG_URL", "postgresql://triboka:triboka@127.0.0.1:5432/postgres")
DATABASE = "triboka_bench"
TARGET_BYTES = 1024**3
ROWS = 5_500_000
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/triboka-bench"))
REPORT = Path(__file__).resolve().parents[2] / "docs" / "benchmarks-backup.md"
BUILD_SQL = """
CREATE TABLE producers (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO producers SELECT g, 'Productor ñ ' || g FROM generate_series(1, 1000) g;
CREATE TABLE lots (
    id bigint PRIMARY KEY, producer_id int NOT NULL REFERENCES producers(id), code text NOT NULL,
    weight_kg numeric(12, 3) NOT NULL, price_usd numeric(14, 4), harvested_at timestamptz NOT NULL, notes text
);
"""
BATCH_SQL = """
INSERT INTO lots SELECT g, 1 + g % 1000, 'LOT-' || g, (g % 100000) / 7.0, (g % 9973) * 1.37,
       timestamptz '2020-01-01' + g * interval '7 seconds',
       md5(g::text) || ' cacao fino de aroma — lote ' || g || ' ' || repeat('x', g % 40)
FROM generate_series({first}, {last}) g;
"""
BATCH = 500_000
ROUNDS = 3


def url_for(database: str) -> str:
    parts = urlsplit(ADMIN_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", "", ""))


def psql(database: str, sql: str) -> str:
    cmd = ["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", url_for(database)]
    done = subprocess.run(cmd, input=sql, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"psql failed on {database}: {done.stderr.strip()}")
    return done.stdout.strip()


def recreate(database: str) -> None:
    psql("postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    psql("postgres", f'CREATE DATABASE "{database}"')


def size_of(database: str) -> int:
    return int(psql("postgres", f"SELECT pg_database_size('{database}')"))


def build() -> None:
    exists = DATABASE in psql("postgres", "SELECT datname FROM pg_database").split()
    if exists and size_of(DATABASE) > 0.9 * TARGET_BYTES:
        print(f"reusing {DATABASE} ({size_of(DATABASE) / 1024**2:.0f} MiB)", flush=True)
        return
    recreate(DATABASE)
    started = time.monotonic()
    psql(DATABASE, BUILD_SQL)
    for first in range(1, ROWS + 1, BATCH):
        psql(DATABASE, BATCH_SQL.format(first=first, last=min(first + BATCH - 1, ROWS)))
    psql(DATABASE, "VACUUM ANALYZE")
    print(
        f"built {DATABASE}: {size_of(DATABASE) / 1024**2:.0f} MiB in {time.monotonic() - started:.0f} s",
        flush=True,
    )


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    started = time.monotonic()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024**2
    server = psql("postgres", "SHOW server_version")
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB RAM, PostgreSQL {server}, Python {platform.python_version()}"


def main() -> None:
    build()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    plain_file, target_dir = WORK / "plain.dump", WORK / "backups"
    bin_dir = Path(f"/usr/lib/postgresql/{int(psql('postgres', 'SHOW server_version_num')) // 10000}/bin")
    tool = str(Path(sys.executable).with_name("triboka-backup"))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TRIBOKA_BACKUP_")},
           "TRIBOKA_BACKUP_DATABASE_URL": url_for(DATABASE), "TRIBOKA_BACKUP_TARGET_DIR": str(target_dir)}  # fmt: skip
    psql(DATABASE, "SELECT count(*) FROM lots")  # same warm cache for both
    load_before = os.getloadavg()[0]

    restore_plain = [str(bin_dir / "pg_restore"), f"--dbname={url_for(DATABASE + '_plain')}", str(plain_file)]
    restore_ours = [tool, "restore", "latest", "--target-url", url_for(DATABASE + "_tool")]
    steps = {
        "backup": ([str(bin_dir / "pg_dump"), "--format=custom", f"--file={plain_file}", url_for(DATABASE)],
                   [tool, "run"]),
        "restore": (restore_plain, restore_ours),
        "restore --check-counts": (restore_plain, [*restore_ours, "--check-counts"]),
    }  # fmt: skip
    samples: dict[str, tuple[list[float], list[float]]] = {step: ([], []) for step in steps}
    for round_number in range(1, ROUNDS + 1):
        for step, (plain, ours) in steps.items():
            if step == "restore --check-counts" and round_number > 1:
                continue
            if step.startswith("restore"):
                recreate(DATABASE + "_plain")
                recreate(DATABASE + "_tool")
            samples[step][0].append(timed(plain))
            samples[step][1].append(timed(ours, env))
            print(f"round {round_number} {step}: plain {samples[step][0][-1]:.1f} s, "
                  f"triboka-backup {samples[step][1][-1]:.1f} s", flush=True)  # fmt: skip

    dump_size = next(target_dir.glob("*/database.pgdump")).stat().st_size
    rows = []
    for step, (plain_s, ours_s) in samples.items():
        ratio = min(ours_s) / min(plain_s)
        rows.append(f"| {step} | {min(plain_s):.1f} s | {min(ours_s):.1f} s | {ratio:.2f}x | "
                    f"{'yes' if ratio <= 1.2 else 'NO'} | {_all(plain_s)} / {_all(ours_s)} |")  # fmt: skip
    report = f"""# Backup benchmark

`make bench-backup` ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC). A benchmark, never a timed test.

Machine: {machine()}. The machine is shared with other work: 1-minute load average {load_before:.1f} at the start,
{os.getloadavg()[0]:.1f} at the end, so single samples vary by 20% or more; each step ran {ROUNDS} times,
alternating plain and triboka-backup, and the table compares the best of each.
Database: `{DATABASE}`, {size_of(DATABASE) / 1024**2:.0f} MiB on disk (`pg_database_size`), built with
`generate_series` (1,000 producers, {ROWS / 1e6:.1f} million lots with numerics, timestamps and unicode text, a
foreign key and a primary key). Custom-format dump: {dump_size / 1024**2:.0f} MiB.
Goal: triboka-backup within 1.2x of the plain tools.

| step | plain PostgreSQL tools (best) | triboka-backup (best) | ratio | within 1.2x | all samples, plain / triboka-backup |
|---|---|---|---|---|---|
{chr(10).join(rows)}

Exact commands, on the same warm database, into empty databases for the restores:

- plain backup: `{bin_dir}/pg_dump --format=custom --file=PLAIN.dump postgresql://…/{DATABASE}`
- triboka-backup backup: `TRIBOKA_BACKUP_DATABASE_URL=postgresql://…/{DATABASE} \
TRIBOKA_BACKUP_TARGET_DIR={target_dir} triboka-backup run` (snapshot export and exact row counts in it,
`pg_dump --format=custom --snapshot=…` streamed through SHA-256, fsync, read-back check, manifest, rename,
markers and metrics)
- plain restore: `{bin_dir}/pg_restore --dbname=postgresql://…/{DATABASE}_plain PLAIN.dump`
- triboka-backup restore: `triboka-backup restore latest --target-url postgresql://…/{DATABASE}_tool`
(checksum check, then `pg_restore --single-transaction --exit-on-error`)
- with `--check-counts`: the same, then `count(*)` of every table compared with the manifest (one round)
"""
    REPORT.write_text(report)
    print(report)
    for database in (DATABASE + "_plain", DATABASE + "_tool"):
        psql("postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    shutil.rmtree(WORK, ignore_errors=True)


def _all(samples: list[float]) -> str:
    return ", ".join(f"{s:.1f}" for s in samples)


if __name__ == "__main__":
    main()
