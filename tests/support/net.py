"""Loopback helpers shared by the tiers that start servers."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the tests never use fixed ports)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_live(base: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    """Wait for a started `triboka-api serve` to answer its liveness probe; fail with its log's tail (and kill
    it) when it does not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"serve did not start:\n{log.read_text()[-3000:]}")


def connection_kept_while_idle(url: str, idle_seconds: float) -> bool:
    """Whether the server keeps a keep-alive connection open through `idle_seconds` of silence after an answer,
    as a proxy's pooled connection to it needs: the second GET of `url` goes out on the first one's connection
    (httpx opens a new one, from another local port, once the server has closed it)."""

    def local_address(client: httpx.Client) -> object:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response.extensions["network_stream"].get_extra_info("client_addr")

    # httpx itself drops connections idle for 5 s unless told otherwise
    limits = httpx.Limits(max_connections=1, keepalive_expiry=idle_seconds + 60)
    with httpx.Client(limits=limits) as client:
        first = local_address(client)
        time.sleep(idle_seconds)
        return local_address(client) == first


def burst_per_worker(
    supervisor_pid: int, port: int, path: str, workers: int = 2, connections: int = 60
) -> dict[int, int]:
    """Open `connections` connections to 127.0.0.1:`port` at once, GET `path` on each, and count how many of them
    each child of the supervisor holds (from /proc: the children's socket inodes, matched against the kernel's
    table of established connections; the supervisor's other child, multiprocessing's resource tracker, holds 0).

    First waits (60 s at most) until `workers` sockets listen on the port: a server answers as soon as its first
    worker does, and a worker still starting has no socket in the port's group yet."""
    deadline = time.monotonic() + 60
    while len(_sockets(port, LISTEN)) < workers and time.monotonic() < deadline:
        time.sleep(0.2)
    children = Path(f"/proc/{supervisor_pid}/task/{supervisor_pid}/children").read_text().split()
    opened = [socket.create_connection(("127.0.0.1", port)) for _ in range(connections)]
    try:
        for connection in opened:
            connection.sendall(f"GET {path} HTTP/1.1\r\nHost: triboka\r\n\r\n".encode())
        for connection in opened:
            assert connection.recv(65536).startswith(b"HTTP/1.1 200 ")
        established = {f"socket:[{inode}]" for inode in _sockets(port, ESTABLISHED)}
        return {
            int(pid): sum(_link(fd) in established for fd in Path(f"/proc/{pid}/fd").iterdir())
            for pid in children
        }
    finally:
        for connection in opened:
            connection.close()


ESTABLISHED, LISTEN = "01", "0A"  # TCP states as /proc/net/tcp writes them


def _sockets(port: int, state: str) -> list[str]:
    """The inodes of the sockets on local port `port` in TCP state `state`."""
    inodes = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                inodes.append(fields[9])
    return inodes


def _link(path: Path) -> str:
    try:
        return str(path.readlink())
    except OSError:  # the descriptor closed meanwhile
        return ""
