"""A hash chain over each entity's trace events, so that an edit made behind the API's back is detectable (S-78).

Every event of an entity (`entity_type`, `entity_id`) has a position `chain_seq` (1, 2, ... in the order the
events were recorded), the `previous_hash` of the event before it (None for the first) and its own `event_hash`:
SHA-256 of the canonical JSON of its content together with `previous_hash`. Changing, deleting or inserting a
stored event breaks the recomputed hashes or the links, and `verify_chain` says where.

The functions take a synchronous `Connection`, so that the migration that back-fills existing events, the
first-generation import and the API (through `run_sync`) share one implementation. Callers serialize writers of
one entity's chain with `lock_chain` first; the unique index on (entity_type, entity_id, chain_seq) is the
backstop.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.codes import hold_lock
from triboka_api.domain.errors import ConflictError
from triboka_api.models import TraceEvent

# the columns a seal covers: what an event says, who said it and when (not bookkeeping such as updated_at)
SEALED_COLUMNS = (
    "id",
    "event_type",
    "entity_type",
    "entity_id",
    "title",
    "description",
    "location",
    "actor_id",
    "actor_name",
    "event_data",
    "measurements",
    "tags",
    "status",
    "is_public",
    "event_timestamp",
    "chain_seq",
)
_events = TraceEvent.__table__
# named, not `select(_events)`: the back-fill migration must not read columns that later releases add
_SEALED = [_events.c[name] for name in SEALED_COLUMNS]
_LINKS = [_events.c.previous_hash, _events.c.event_hash]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def event_hash(row: Mapping[Any, Any], previous_hash: str | None) -> str:
    """SHA-256 (hex) of the canonical JSON (sorted keys, no spaces, UTF-8) of the sealed columns and the link."""
    content = {name: _plain(row[name]) for name in SEALED_COLUMNS}
    canonical = json.dumps(
        {"event": content, "previous_hash": previous_hash},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def lock_chain(session: AsyncSession, entity_type: str, entity_id: str) -> None:
    """Serialize writers of one entity's chain until the transaction ends (both databases, see `hold_lock`)."""
    await hold_lock(session, f"trace-chain:{entity_type}:{entity_id}")


def _chain_tail(connection: Connection, entity_type: str, entity_id: str) -> tuple[int, str | None]:
    last = connection.execute(
        select(_events.c.chain_seq, _events.c.event_hash)
        .where(
            _events.c.entity_type == entity_type,
            _events.c.entity_id == entity_id,
            _events.c.chain_seq.is_not(None),
        )
        .order_by(_events.c.chain_seq.desc())
        .limit(1)
    ).first()
    return (0, None) if last is None else (last.chain_seq, last.event_hash)


def _write_seal(connection: Connection, row: Mapping[Any, Any], seq: int, previous: str | None) -> str:
    sealed = dict(row) | {"chain_seq": seq}
    digest = event_hash(sealed, previous)
    connection.execute(
        update(_events)
        .where(_events.c.id == row["id"])
        .values(chain_seq=seq, previous_hash=previous, event_hash=digest)
    )
    return digest


def seal_pending(connection: Connection, entity: tuple[str, str] | None = None) -> int:
    """Append every unsealed event (of `entity`, or of all entities) to its entity's chain in id order, i.e. the
    order of recording; returns how many were sealed."""
    query = select(*_SEALED).where(_events.c.chain_seq.is_(None)).order_by(_events.c.id)
    if entity is not None:
        query = query.where(_events.c.entity_type == entity[0], _events.c.entity_id == entity[1])
    tails: dict[tuple[str, str], tuple[int, str | None]] = {}
    sealed = 0
    for row in connection.execute(query).mappings().all():
        key = (row["entity_type"], row["entity_id"])
        seq, previous = tails[key] if key in tails else _chain_tail(connection, *key)
        tails[key] = (seq + 1, _write_seal(connection, row, seq + 1, previous))
        sealed += 1
    return sealed


def reseal_from(connection: Connection, entity_type: str, entity_id: str, first_seq: int) -> None:
    """Recompute the seals from position `first_seq` on, after an edit through the API (C-46)."""
    rows = (
        connection.execute(
            select(*_SEALED, *_LINKS)
            .where(_events.c.entity_type == entity_type, _events.c.entity_id == entity_id)
            .where(_events.c.chain_seq >= first_seq)
            .order_by(_events.c.chain_seq)
        )
        .mappings()
        .all()
    )
    previous = rows[0]["previous_hash"] if rows else None
    for row in rows:
        previous = _write_seal(connection, row, row["chain_seq"], previous)


@dataclass(frozen=True)
class LinkCheck:
    """What `verify_chain` found about one event."""

    event_id: int
    chain_seq: int | None
    event_type: str
    valid: bool
    issues: tuple[str, ...]


def verify_chain(connection: Connection, entity_type: str, entity_id: str) -> list[LinkCheck]:
    """Each event of the entity in chain order, with what is wrong with it: not sealed, a gap in the positions (a
    deleted event), a link that does not name the previous event's hash, or content that no longer hashes to
    its seal."""
    rows = (
        connection.execute(
            select(*_SEALED, *_LINKS)
            .where(_events.c.entity_type == entity_type, _events.c.entity_id == entity_id)
            .order_by(_events.c.chain_seq.is_(None), _events.c.chain_seq, _events.c.id)
        )
        .mappings()
        .all()
    )
    checks: list[LinkCheck] = []
    previous: str | None = None
    for expected_seq, row in enumerate(rows, start=1):
        issues: list[str] = []
        if row["chain_seq"] is None or row["event_hash"] is None:
            issues.append("not sealed")
        else:
            if row["chain_seq"] != expected_seq:
                issues.append(f"position {row['chain_seq']}, expected {expected_seq} (an event is missing)")
            if row["previous_hash"] != previous:
                issues.append("previous_hash does not match the previous event")
            if event_hash(row, row["previous_hash"]) != row["event_hash"]:
                issues.append("content does not match its hash (modified after recording)")
        checks.append(LinkCheck(row["id"], row["chain_seq"], row["event_type"], not issues, tuple(issues)))
        previous = row["event_hash"]
    return checks


async def record_event(session: AsyncSession, event: TraceEvent) -> None:
    """Add `event` as the next link of its entity's chain, in the caller's transaction (committed by the caller)."""
    entity = (event.entity_type, event.entity_id)
    await lock_chain(session, *entity)
    session.add(event)
    await session.flush()
    await session.run_sync(lambda sync: seal_pending(sync.connection(), entity))


async def amend_event(session: AsyncSession, event: TraceEvent, changes: Mapping[str, Any]) -> None:
    """C-46: apply an admin's edit and re-seal the chain from that event on. Refused (409) while the chain is
    already broken, so that an edit through the API cannot launder a tampered chain."""
    entity = (event.entity_type, event.entity_id)
    await lock_chain(session, *entity)
    checks = await session.run_sync(lambda sync: verify_chain(sync.connection(), *entity))
    if not all(check.valid for check in checks):
        raise ConflictError("This entity's trace chain fails validation; it cannot be edited")
    for name, value in changes.items():
        setattr(event, name, value)
    await session.flush()
    first = event.chain_seq
    await session.run_sync(
        lambda sync: (
            reseal_from(sync.connection(), *entity, first)
            if first is not None
            else seal_pending(sync.connection(), entity)
        )
    )
