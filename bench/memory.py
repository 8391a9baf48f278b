"""Memory of a service for `make bench`: RSS and PSS from /proc/<pid>/smaps_rollup, summed over a process and its
descendants (uvicorn's supervisor, workers and resource tracker; the backup job and its pg_dump), idle or sampled
for a peak.

Standard library only, because `python -m bench.memory peak -- COMMAND...` must stay a small process: Linux
carries the high-water RSS of the address space a child replaces at exec into the child's ru_maxrss, so a job
spawned straight from the bench process (its heap full of the seeded dataset) reports the bench's own peak. Spawned
from this wrapper, the kernel's maxrss is the job's."""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.25


@dataclass(frozen=True)
class Usage:
    """Memory of a process tree, MiB."""

    rss_mb: float
    pss_mb: float

    def max(self, other: Usage) -> Usage:
        return Usage(max(self.rss_mb, other.rss_mb), max(self.pss_mb, other.pss_mb))


def process_tree(pid: int) -> list[int]:
    """A process and its descendants."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):  # exited meanwhile
            continue
    return pids


def memory_of(pid: int) -> Usage:
    """RSS and PSS of a process tree. RSS counts a page shared by two processes (the interpreter, libraries) in
    each; PSS charges each process its share, which is closer to what the container is charged."""
    kib = {"Rss": 0, "Pss": 0}
    for current in process_tree(pid):
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        for field, value in re.findall(r"^(Rss|Pss):\s+(\d+) kB", rollup, re.MULTILINE):
            kib[field] += int(value)
    return Usage(kib["Rss"] / 1024, kib["Pss"] / 1024)


class PeakMemory:
    """Samples a process tree in a thread while the block runs; `peak` holds the highest RSS and PSS seen."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS) -> None:
        self.pid, self.interval, self.peak = pid, interval, Usage(0.0, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.peak = self.peak.max(memory_of(self.pid))
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.memory",
        description="run COMMAND (its output to stderr); print its peak memory as JSON on stdout",
    )
    sub = parser.add_subparsers(dest="action", required=True)
    peak = sub.add_parser("peak")
    peak.add_argument("--interval", type=float, default=SAMPLE_SECONDS, help="sampling period, seconds")
    peak.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    child = subprocess.Popen(command, stdout=sys.stderr)
    with PeakMemory(child.pid, args.interval) as sampled:
        returncode = child.wait()
    maxrss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest single descendant
    print(json.dumps(asdict(sampled.peak) | {"maxrss_mb": maxrss_kib / 1024, "returncode": returncode}))
    sys.exit(returncode)


if __name__ == "__main__":
    main()
