"""Run a client tool (pg_dump, pg_restore) with output or input streamed and stderr kept for errors."""

from __future__ import annotations

import collections
import subprocess
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from triboka_backup.filesio import READ_SIZE

STDERR_LINES = 20


class ToolFailedError(Exception):
    def __init__(self, tool: str, returncode: int, stderr: str) -> None:
        super().__init__(f"{tool} exited with code {returncode}: {stderr.strip() or '(no message)'}")


def _collect(stream: IO[bytes], tail: collections.deque[str]) -> None:
    for line in stream:
        tail.append(line.decode(errors="replace").rstrip())


def _start(
    cmd: list[str], env: dict[str, str], *, stdin: int | None = None, stdout: int | None = None
) -> tuple[subprocess.Popen[bytes], threading.Thread, collections.deque[str]]:
    # fixed argv, no shell
    proc = subprocess.Popen(cmd, env=env, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)  # noqa: S603
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
    assert proc.stderr is not None
    reader = threading.Thread(target=_collect, args=(proc.stderr, tail), daemon=True)
    reader.start()
    return proc, reader, tail


def _finish(
    proc: subprocess.Popen[bytes],
    reader: threading.Thread,
    tail: collections.deque[str],
    read_all: bool = True,
) -> None:
    returncode = proc.wait()
    reader.join()
    if returncode == 0 and not read_all:
        tail.append("(it stopped reading its input before the end)")
    if returncode != 0 or not read_all:
        raise ToolFailedError(Path(str(proc.args[0])).name, returncode, "\n".join(tail))  # type: ignore[index]


def stream_from(cmd: list[str], env: dict[str, str], sink: Callable[[bytes], None]) -> None:
    """Feed the tool's stdout to `sink`; if the sink fails the tool is killed and the sink's error raised."""
    proc, reader, tail = _start(cmd, env, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    try:
        while chunk := proc.stdout.read(READ_SIZE):
            sink(chunk)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        proc.stdout.close()
    _finish(proc, reader, tail)


def run_tool(cmd: list[str], env: dict[str, str]) -> None:
    """Run the tool on its own (it reads its input file itself); ToolFailedError with its stderr if it fails."""
    _finish(*_start(cmd, env))


def stream_into(cmd: list[str], env: dict[str, str], chunks: Iterable[bytes]) -> None:
    """Run the tool, writing `chunks` to its stdin; if `chunks` raises, the tool is killed first.

    A tool that exits 0 without reading everything has failed too: what it skipped was never checked."""
    proc, reader, tail = _start(cmd, env, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    read_all = False
    try:
        try:
            for chunk in chunks:
                proc.stdin.write(chunk)
            proc.stdin.close()
            read_all = True
        except BrokenPipeError:
            pass  # the tool stopped reading: its exit code and stderr say why
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    _finish(proc, reader, tail, read_all)
