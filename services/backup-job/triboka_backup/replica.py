"""Where a backup reads from: a streaming replica when one is configured and answers, else the primary.

A dump holds a snapshot open for as long as it runs; on a replica (the chart's `postgresql.ha` replicas Service)
it costs the primary nothing. The replica is used only when it is one (`pg_is_in_recovery()`): a Service that
has just been re-pointed at a promoted member, or a wrong host, falls back to the primary, never fails the run."""

from __future__ import annotations

import logging

import psycopg
from psycopg.conninfo import make_conninfo

from triboka_backup.database_url import DatabaseSource, PostgresSource

log = logging.getLogger("triboka_backup")
# a replica that does not answer this quickly is as good as absent: the primary is there
REPLICA_CONNECT_TIMEOUT_SECONDS = 5


def dump_source(primary: DatabaseSource, replica_host: str | None) -> DatabaseSource:
    """The replica on `replica_host` (same port, database and credentials) if it is a replica, else `primary`."""
    if replica_host is None or not isinstance(primary, PostgresSource):
        return primary
    replica = primary.model_copy(update={"host": replica_host})
    try:
        conninfo = make_conninfo(
            "", **replica.connect_kwargs(), connect_timeout=REPLICA_CONNECT_TIMEOUT_SECONDS
        )
        with psycopg.connect(conninfo) as conn:
            row = conn.execute("SELECT pg_is_in_recovery(), host(inet_server_addr())").fetchone()
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return _primary(primary, replica, f"it does not answer ({reason})")
    if not row or row[0] is not True:
        return _primary(primary, replica, "it is not a replica (not in recovery)")
    if row[1]:
        # A Service in front of several replicas balances each connection; the dump's snapshot exists on one
        # member only, so every connection of the run goes to the address that answered.
        replica = replica.model_copy(update={"host": row[1]})
    log.info(
        "dumping from the replica %s",
        replica.describe(),
        extra={"event": "source", "source": replica.describe(), "replica": True},
    )
    return replica


def _primary(primary: PostgresSource, replica: PostgresSource, why: str) -> PostgresSource:
    log.warning(
        "not dumping from %s: %s; dumping from the primary %s",
        replica.describe(),
        why,
        primary.describe(),
        extra={"event": "source", "source": primary.describe(), "replica": False, "reason": why},
    )
    return primary
