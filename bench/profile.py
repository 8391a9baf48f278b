"""Where an API worker's time goes under load, for `make bench`: py-spy samples one uvicorn worker while wrk
drives a case, and each sample is charged to the innermost frame of a known layer (our code, FastAPI, SQLAlchemy,
asyncpg, ...). Time in C code that py-spy cannot see into is charged to the Python frame that called it: asyncpg's
`write` of a query to the server shows up under asyncpg, uvloop's socket work under uvicorn."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from bench.memory import process_tree

# (layer, substrings of a py-spy frame "function (file:line)"), innermost match wins; the first matching layer
# of this list wins for a frame
LAYERS = (
    (
        "our code: the lot list handler and its serialization",
        ("serializers/", "api/responses.py", "routes/lots.py"),
    ),
    (
        "our code: middleware, logging, metrics",
        ("observability.py", "jsonlog.py", "prometheus_client/"),
    ),
    ("our code: other", ("triboka_api/",)),
    ("Python logging", ("logging/__init__.py",)),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("asyncpg (incl. its socket writes)", ("asyncpg/",)),
    ("FastAPI: dependencies and parameters", ("fastapi/dependencies/",)),
    ("FastAPI and Starlette: routing, responses", ("fastapi/", "starlette/")),
    ("uvicorn and the event loop (HTTP parsing, socket I/O)", ("uvicorn/", "asyncio/", "uvloop/")),
)
OTHER = "other"


def layer_of(stack: str) -> str:
    for frame in reversed(stack.split(";")):
        for layer, markers in LAYERS:
            if any(marker in frame for marker in markers):
                return layer
    return OTHER


def attribute(raw: Iterable[str]) -> Counter[str]:
    """Samples per layer, from py-spy's raw (collapsed stack) output: `frame;frame;... count` per line."""
    samples: Counter[str] = Counter()
    for line in raw:
        stack, _, count = line.rstrip().rpartition(" ")
        if stack and count.isdigit():
            samples[layer_of(stack)] += int(count)
    return samples


def a_worker(supervisor: int) -> int:
    """One uvicorn worker of a `serve --workers N` supervisor (its children other than the resource tracker)."""
    for pid in process_tree(supervisor)[1:]:
        if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text():
            return pid
    raise RuntimeError(f"no uvicorn worker under {supervisor}")


def profile(supervisor: int, seconds: int, load: Callable[[], object], output: Path) -> Counter[str]:
    """Sample a worker for `seconds` while `load` runs (it must last longer); samples per layer."""
    worker = a_worker(supervisor)
    driver = threading.Thread(target=load)
    driver.start()
    try:
        subprocess.run(
            [
                *(str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(worker)),
                *("--duration", str(seconds), "--rate", "200", "--format", "raw", "--output", str(output)),
                "--nonblocking",
            ],
            check=True,
            capture_output=True,
        )
    finally:
        driver.join()
    return attribute(output.read_text().splitlines())


def table(samples: Counter[str]) -> list[str]:
    total = sum(samples.values()) or 1
    lines = ["| layer | share of the worker's samples |", "|---|---:|"]
    lines += [f"| {layer} | {100 * n / total:.1f}% |" for layer, n in samples.most_common()]
    return lines
