"""`make bench-backup`: triboka-backup against plain pg_dump -Fc / pg_restore on a ~1 GB database.

A benchmark, not a test: it prints a table and writes its section of docs/benchmarks-backup.md (one section
per database size: `BENCH_GB=5 make bench-backup` replaces only the 5 GB section). Goals: backup within 1.2x
of pg_dump, restore at or below 1.0x of single-job pg_restore, restore --check-counts within 1.1x.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ADMIN_URL = os.environ.get("TRIBOKA_TEST_PG_URL", "postgresql://triboka:triboka@127.0.0.1:5432/postgres")
# BENCH_GB=5 make bench-backup: the database size in GiB (lots scale with it; 5.5 million rows per GiB)
SIZE_GB = int(os.environ.get("BENCH_GB", "1"))
DATABASE = "triboka_bench" if SIZE_GB == 1 else f"triboka_bench_{SIZE_GB}gb"
TARGET_BYTES = SIZE_GB * 1024**3
ROWS = 5_500_000 * SIZE_GB
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
# even, so that each of the two goes first equally often (the second of a pair is usually the slower)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
GOALS = {"backup": 1.2, "restore": 1.0, "restore --check-counts": 1.1, "restore --jobs 2": 1.0}
SECTION = re.compile(r"^## (\d+) GB database\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
HEADER = """# Backup benchmark

`make bench-backup` (and `BENCH_GB=5 make bench-backup` for the 5 GB section; `BENCH_ROUNDS=N` for fewer or more
rounds). A benchmark, never a timed test. Machine: {machine}. The machine is shared with other work, so the load
average during the run is given with every table.

Databases built with `generate_series`: 1,000 producers and 5.5 million lots per GB (numerics, timestamps,
unicode text, a foreign key and a primary key). Goals: backup within 1.2x of `pg_dump`, restore at or below
1.0x of single-job `pg_restore` of the same dump, restore with `--check-counts` within 1.1x.

Exact commands, on the same warm database, into empty databases for the restores, each after a `CHECKPOINT`:

- plain backup: `{bin_dir}/pg_dump --format=custom --file=PLAIN.dump postgresql://…/DATABASE`
- triboka-backup backup: `TRIBOKA_BACKUP_DATABASE_URL=postgresql://…/DATABASE \\
TRIBOKA_BACKUP_TARGET_DIR=… triboka-backup run` (snapshot export and exact row counts in it,
`pg_dump --format=custom --snapshot=…` streamed through SHA-256, fsync, read-back check, manifest, rename,
markers and metrics)
- plain restore: `{bin_dir}/pg_restore --dbname=postgresql://…/DATABASE_plain PLAIN.dump`
- triboka-backup restore: `triboka-backup restore latest --target-url postgresql://…/DATABASE_tool`
(one read of the stored dump, hashed on the way into `pg_restore --single-transaction --exit-on-error` on its
stdin; the last chunk is held back until the SHA-256 matches, so a damaged dump is rolled back before COMMIT)
- with `--check-counts`: the same, then one `count(*)` per table over up to 4 connections, compared with the
manifest
- with `--jobs 2`: the target's emptiness checked, the whole dump hashed, then `pg_restore --jobs=2
--exit-on-error` on the stored file (not one transaction; unencrypted directory-store backups only), against the
same single-job plain `pg_restore`

Where the restore's time went (issue 21; profiled on the 1 GB database, load average 2 to 5): the restore
used to read the dump twice, a SHA-256 pass and then `pg_restore` (from an S3 bucket it also downloaded the
whole dump to /tmp first); the hash pass itself took 0.2 s from the page cache, but on a database larger than
memory it is a second full read from disk. Start-up and imports took 0.7 to 1.3 s on the loaded machine (boto3
alone 0.15 s, now imported only when S3 is configured). `pg_restore --single-transaction` took as long as plain
`pg_restore` within the noise (21.2 / 22.8, 20.5 / 20.2, 25.8 / 24.1, 27.0 / 26.9 s); inside it, the primary key
index of `lots` takes 2.6 s (no faster with `maintenance_work_mem` 512 MB) and the foreign key check 1.1 s, the
rest is COPY. The first `count(*)` after a restore takes 1.3 s (it sets hint bits), a second one 0.5 to 0.7 s.
`pg_restore --jobs` needs a seekable file (for encrypted or S3 backups a decrypted copy on disk) and cannot run in
one transaction: the default restore streams in one transaction, and `restore --jobs N` is the opt-in for
unencrypted backups in the directory store (the dump hashed first, then `pg_restore --jobs` on the stored file).
Measured on this database with the machine loaded by the other engineers' work (1-minute load average 16 to 19,
2 cores), alternating, plain `pg_restore` of the same dump into empty databases: single job 107.3 and 100.5 s,
`--jobs=2` 90.5 and 83.4 s (0.84x and 0.83x of the same round's single job), `--single-transaction` from stdin
81.1 s. The primary key index of `lots` and the foreign key check run beside other work with two jobs; one
table's COPY stays one job.

Which figures were taken how: each section records its own load. The 1 GB section is a quiet-machine run (no
other work; load 1.2 to 1.8 on 2 cores); even quiet, the same plain `pg_restore` took 13.9 to 21.5 s, which is why
the goals are judged on the best of several rounds with the order swapped each round. The first 5 GB run was one
quiet round (load 1.4 to 1.8) and gave `--check-counts` 1.27x (110.3 s against a plain `pg_restore` of 86.6 s;
the same plain `pg_restore` took 86.6 to 102.5 s in that run); the next paragraph measures what that was made of.

Where `--check-counts` spends its time at 5 GB (issue 21; 2026-12-07 14:36 to 14:48 UTC, 1-minute load average 1.5
to 4.0: other engineers' work ran beside it). Commands: `pg_dump --format=custom` of `triboka_bench_5gb` (1166 MiB
dump), then per sample a new empty database, `CHECKPOINT`, the restore, and right after it `EXPLAIN (ANALYZE,
BUFFERS, TIMING OFF) SELECT count(*) FROM lots` (then `producers`) twice, with `Dirty:` and `Writeback:` of
/proc/meminfo and the disk's written sectors sampled every 0.5 s. `pg_restore --single-transaction
--exit-on-error` from stdin (what triboka-backup runs): restore 101.0 and 85.8 s; the first count of `lots` 3.9
and 3.4 s with `dirtied=587832 written=585592` (every page of the 4.5 GB table rewritten, by the counting backend
itself through its ring buffer), the second count 2.3 and 1.6 s with nothing dirtied; `producers` 0.07 s. During
the first count `Dirty:` peaked at 1.9 to 2.0 GB (the kernel's limit is 20 % of memory, about 4.5 GB) and the disk
took 2.7 GB in 6 s: no write-back throttling, and the restore's own dirty data was already written (`Dirty:` 0 MB
in its last 5 s). Plain `pg_restore` (the benchmark's baseline, 117.4 s at load 2.2 to 3.6): the first count after
it dirtied nothing (2.8 s, the second 2.7 s), because its primary key build and foreign key check run in later
transactions than the COPY and set the hint bits inside the baseline's own time; in one transaction those passes
see the restore's own rows, so the first reader after COMMIT pays, and with `--check-counts` that reader is the
check. Counting inside the restore's transaction (`pg_restore -f - PLAIN.dump | psql -1 -v ON_ERROR_STOP=1 -f - -c
'SELECT count(*) FROM public.lots'`): 1.6 and 2.7 s with nothing dirtied, but the first count after COMMIT then
rewrote the whole table (3.0 and 5.2 s), and the two restores took 86.4 and 105.7 s: it moves those seconds to the
application's first reads at the price of feeding a SQL script to psql with a gate before its COMMIT, so it was
not done. In short, the count phase costs 3.5 to 4 s of a 86 to 117 s restore (about 1.04x), 1.5 to 2.5 s of it
the hint-bit write; the restore's own run-to-run spread (85.8 and 101.0 s for the same single-transaction restore
here) is about five times larger, which is what the 1.27x of one round measured. The 5 GB `BENCH_ROUNDS=2` run of
2026-12-07 15:17 UTC (load 2.0 to 6.3, not quiet) agrees: triboka-backup's own log (`restoring` to `restored`)
puts the restore phase of its two `--check-counts` samples at 90.6 and 99.9 s and the counts after it at 4.4 and
4.3 s (its restores without `--check-counts` took 82.0 and 83.1 s), while the same plain `pg_restore` took 68.5 to
104.1 s; the 1.39x there is that spread, the counts are 1.05x of the restore they follow.

The quiet 5 GB run below (2026-12-07 17:03 to 17:38 UTC, nothing else on the machine, load 1.0 to 2.0)
shows the limit of judging a 5 GB restore on single samples: the same plain `pg_restore` took 58.2 to 80.9 s
(nine runs, median 69.0 s), and the second restore of a pair was the slower one in 7 of 9 pairs (it inherits the
first one's write-back). Three rounds put triboka-backup second in two of them, which is why the default is now
four rounds (even: each order equally often). Taking the two rounds with opposite orders (1 and 2) together:
restore 142.0 s against 155.8 s (0.91x), `--check-counts` 138.2 against 135.7 s (1.02x), `--jobs 2` 151.2 against
143.0 s (1.06x); rounds 2 and 3: 1.09x, 1.03x, 1.10x. triboka-backup's own log puts the time outside `pg_restore`
at 0.4 to 0.7 s per restore and the counts of `--check-counts` at 3.1 to 3.7 s (5% of the restore they follow).
"""


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


def timed(cmd: list[str], loads: list[float], env: dict[str, str] | None = None) -> float:
    """Seconds the command took; the 1-minute load average before and after it goes into `loads`.

    A CHECKPOINT first, so no sample pays for writing out the previous one's dirty buffers (a restore writes
    about as much WAL as max_wal_size: without it, timings of the same command varied by 2x)."""
    psql("postgres", "CHECKPOINT")
    loads.append(os.getloadavg()[0])
    started = time.monotonic()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.monotonic() - started
    loads.append(os.getloadavg()[0])
    return elapsed


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

    restore_plain = [str(bin_dir / "pg_restore"), f"--dbname={url_for(DATABASE + '_plain')}", str(plain_file)]
    restore_ours = [tool, "restore", "latest", "--target-url", url_for(DATABASE + "_tool")]
    steps = {
        "backup": ([str(bin_dir / "pg_dump"), "--format=custom", f"--file={plain_file}", url_for(DATABASE)],
                   [tool, "run"]),
        "restore": (restore_plain, restore_ours),
        "restore --check-counts": (restore_plain, [*restore_ours, "--check-counts"]),
        "restore --jobs 2": (restore_plain, [*restore_ours, "--jobs", "2"]),
    }  # fmt: skip
    samples: dict[str, tuple[list[float], list[float]]] = {step: ([], []) for step in steps}
    loads: list[float] = []
    for round_number in range(1, ROUNDS + 1):
        for step, (plain, ours) in steps.items():
            if step.startswith("restore"):
                recreate(DATABASE + "_plain")
                recreate(DATABASE + "_tool")
            # who goes first swaps every round: the second sample of a pair inherits the first one's dirty page
            # cache and WAL, so a fixed order would tilt every ratio the same way
            if round_number % 2:
                samples[step][0].append(timed(plain, loads))
                samples[step][1].append(timed(ours, loads, env))
            else:
                samples[step][1].append(timed(ours, loads, env))
                samples[step][0].append(timed(plain, loads))
            print(f"round {round_number} {step}: plain {samples[step][0][-1]:.1f} s, "
                  f"triboka-backup {samples[step][1][-1]:.1f} s, load {loads[-1]:.1f}", flush=True)  # fmt: skip

    dump_size = next(target_dir.glob("*/database.pgdump")).stat().st_size
    rows = []
    for step, (plain_s, ours_s) in samples.items():
        ratio = min(ours_s) / min(plain_s)
        paired = statistics.median(o / p for p, o in zip(plain_s, ours_s, strict=True))
        rows.append(f"| {step} | {min(plain_s):.1f} s | {min(ours_s):.1f} s | {ratio:.2f}x | {paired:.2f}x "
                    f"| {GOALS[step]:.1f}x {'yes' if ratio <= GOALS[step] else 'NO'} "
                    f"| {_all(plain_s)} / {_all(ours_s)} |")  # fmt: skip
    section = f"""## {SIZE_GB} GB database

`{"" if SIZE_GB == 1 else f"BENCH_GB={SIZE_GB} "}{"" if ROUNDS == 4 else f"BENCH_ROUNDS={ROUNDS} "}make bench-backup` \
({datetime.now(UTC):%Y-%m-%d %H:%M} UTC). Database `{DATABASE}`, {size_of(DATABASE) / 1024**2:.0f} MiB on disk
(`pg_database_size`), {ROWS / 1e6:.1f} million lots; custom-format dump {dump_size / 1024**2:.0f} MiB.
1-minute load average, read before and after every sample: {min(loads):.1f} to {max(loads):.1f}
(median {statistics.median(loads):.1f}; the machine has {os.cpu_count()} cores). Each step ran {ROUNDS} times,
alternating plain and triboka-backup (plain first in odd rounds, triboka-backup first in even ones); the
table compares the best of each ("ratio", what the goal is judged on) and gives the median of each round's
ratio (the two samples of a round ran back to back, so under a load that changes from minute to minute it is
the steadier figure).

| step | plain PostgreSQL tools (best) | triboka-backup (best) | ratio | median round ratio | goal met | all samples, plain / triboka-backup |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}
"""
    write_section(section, bin_dir)
    print(section)
    for database in (DATABASE + "_plain", DATABASE + "_tool"):
        psql("postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    shutil.rmtree(WORK, ignore_errors=True)


def write_section(section: str, bin_dir: Path) -> None:
    """Replace this size's section of the report, keeping the other sizes' (in size order)."""
    old = REPORT.read_text() if REPORT.exists() else ""
    sections = {int(m.group(1)): m.group(0).rstrip() for m in SECTION.finditer(old)}
    sections[SIZE_GB] = section.rstrip()
    body = "\n\n".join(sections[size] for size in sorted(sections))
    REPORT.write_text(HEADER.format(machine=machine(), bin_dir=bin_dir) + "\n" + body + "\n")


def _all(samples: list[float]) -> str:
    return ", ".join(f"{s:.1f}" for s in samples)


if __name__ == "__main__":
    main()
