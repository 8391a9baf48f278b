"""uvicorn.run for a ready Config, with a listening socket per worker: with `workers` > 1 every worker listens on a
socket of its own in the port's SO_REUSEPORT group, and the kernel hashes each new connection to one of them.

uvicorn's own workers share the supervisor's one socket, and the worker that wakes first for it accepts every
connection waiting: wrk's 100 connections split 35/65 or 29/71 between two workers, a burst of 60 to idle workers
60/0, and the busier worker's requests waited up to twice as long as the other's (issue 16, goal 2: the writes'
p99 at 100 connections). The hash spreads them as a fair coin would (100 connections: 50/50, give or take 5).

The cost, Linux's: connections still waiting in a worker's queue when that worker stops (a crash, a restart) are
reset instead of going to its siblings. The chart stops a pod only after its endpoints are gone.

The API's module; the web's is a verbatim copy (tests/support/logschema.py: assert_same_implementation).
"""

from __future__ import annotations

import logging
import socket
import sys
from typing import Any, TypeVar

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

S = TypeVar("S", bound=socket.socket)


def run(config: uvicorn.Config) -> None:
    """Serve until stopped; exit with uvicorn's start-up failure code as uvicorn.run does."""
    if config.workers > 1:
        try:
            listener = worker_listener(config.host, config.port)
        except OSError as exc:
            sys.exit(f"cannot listen on {config.host}:{config.port}: {exc}")
        logging.getLogger("uvicorn.error").info(
            "listening on %s:%d, a socket per worker", config.host, listener.getsockname()[1]
        )
        Multiprocess(config, sockets=[listener]).run()
        return
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class WorkerListener(socket.socket):
    """The socket uvicorn's supervisor hands each worker it spawns. Bound here, it never listens: it holds the
    port while workers come and go. uvicorn pickles the sockets it passes to a worker; this one unpickles in the
    worker as a new socket of that worker's own, bound to the same address, which uvicorn then listens on."""

    def __reduce__(self) -> tuple[Any, ...]:
        host, port = self.getsockname()[:2]
        return (_bound, (socket.socket, self.family, host, port))


def worker_listener(host: str, port: int) -> WorkerListener:
    """The supervisor's socket for `host`:`port` (port 0: one the kernel picks). Fails as uvicorn's own bind does
    (OSError) when something listens there: a server of the same user with SO_REUSEPORT set would otherwise be
    joined silently, sharing its connections with ours."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]
    return _bound(WorkerListener, family, host, port)


def _bound(kind: type[S], family: int, host: str, port: int) -> S:
    sock = kind(family)
    # as uvicorn's own bind: a restarted server takes the port back while old connections are in TIME_WAIT
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock
