"""A private `redis-server` (Debian's package, installed by `scripts/ensure-redis`) on a free loopback port, without
persistence, that a test can stop and start again on the same port (a Redis outage)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis

from tests.support.net import free_port

REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        assert REDIS_SERVER is not None, "redis-server is not installed: run scripts/ensure-redis"
        args = [
            REDIS_SERVER,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        with (self.workdir / "redis.log").open("ab") as log:
            self._process = subprocess.Popen([*args, "--dir", str(self.workdir)], stdout=log, stderr=log)
        self._wait_until_ready()
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def flush(self) -> None:
        with redis.Redis.from_url(self.url) as client:
            client.flushall()

    def keys(self) -> list[bytes]:
        with redis.Redis.from_url(self.url) as client:
            return client.keys("*")

    def _wait_until_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        with redis.Redis.from_url(self.url, socket_connect_timeout=0.2) as client:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if (
                        time.monotonic() > deadline
                        or self._process is None
                        or self._process.poll() is not None
                    ):
                        raise
                    time.sleep(0.05)
