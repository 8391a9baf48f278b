"""Offline sync for the mobile app (S-58 delta, S-59 push): what changed for the caller, and its own edits back.

Times are epoch milliseconds (UTC), as the app sends them. Delta returns the lots and contracts the caller may
list (the C-13 and C-25 rules, `domain.access`) whose `updated_at` is after `last_sync`, oldest first, at most
`DELTA_PAGE` of each; when a kind is cut, `server_timestamp` is one millisecond before its last row, so the next
delta repeats that millisecond rather than skip a row that shares it (the app applies rows idempotently).

Push applies lot edits (the fields of `PUT /api/lots/{id}`) with that route's rules, one result per change:
- `applied`: written; the result carries the new `updated_at_ms`.
- `conflict`: the server's row changed after the client's `base_updated_at` (compared to the millisecond): not
  written; the result carries the server's row, and the app merges and pushes again (last writer wins only when it
  has seen the latest version).
- `rejected`: not allowed or invalid (unknown lot or entity, a producer's edit of another company's lot, a role that
  may not edit lots, a lot no longer available, a value out of bounds): not written, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.access import contracts_listed_to, is_own_company, lots_listed_to
from triboka_api.domain.bounds import LATEST, OutOfBoundsError, check_document, id_bound
from triboka_api.domain.errors import RuleViolationError
from triboka_api.domain.lots import LOT_AVAILABLE
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import ADMIN_ROLES, Role
from triboka_api.models import ExportContract, ProducerLot, utcnow
from triboka_api.queries import rows_changed

DELTA_PAGE = 500
MAX_PUSH_CHANGES = 100
LOT_EDIT_FIELDS = ("farm_name", "location", "quality_grade", "certifications")
_EPOCH = datetime(1970, 1, 1)
_LATEST_MS = int((LATEST - _EPOCH).total_seconds() * 1000)


def to_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def parse_ms(name: str, raw: Any) -> int:
    """An epoch-milliseconds value between 1970 and the bounds' latest moment, else a 400 naming it."""
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise RuleViolationError(f"Invalid value for '{name}': epoch milliseconds expected") from exc
    if isinstance(raw, bool) or not 0 <= value <= _LATEST_MS:
        raise RuleViolationError(f"Invalid value for '{name}': epoch milliseconds expected")
    return value


def now_ms() -> int:
    return to_ms(datetime.now(UTC).replace(tzinfo=None))


@dataclass
class Delta:
    server_timestamp: int
    lots: list[ProducerLot]
    contracts: list[ExportContract]
    has_more: bool


async def delta(session: AsyncSession, principal: Principal, last_sync_ms: int) -> Delta:
    since = from_ms(last_sync_ms)
    cursor = now_ms()
    has_more = False
    kinds: list[list[Any]] = []
    kinds_and_rules: tuple[tuple[type[ProducerLot] | type[ExportContract], ColumnElement[bool]], ...] = (
        (ProducerLot, lots_listed_to(principal)),
        (ExportContract, contracts_listed_to(principal)),
    )
    for model, rule in kinds_and_rules:
        rows: list[ProducerLot | ExportContract] = list(
            await session.scalars(
                select(model)
                .where(rule, model.updated_at > since)
                .order_by(model.updated_at, model.id)
                .limit(DELTA_PAGE + 1)
            )
        )
        if len(rows) > DELTA_PAGE:
            rows = rows[:DELTA_PAGE]
            has_more = True
            cursor = min(cursor, to_ms(rows[-1].updated_at) - 1)
        kinds.append(rows)
    return Delta(server_timestamp=cursor, lots=kinds[0], contracts=kinds[1], has_more=has_more)


class Outcome(StrEnum):
    APPLIED = "applied"
    CONFLICT = "conflict"
    REJECTED = "rejected"


@dataclass
class ChangeResult:
    entity: str
    id: Any
    status: Outcome
    error: str | None = None
    lot: ProducerLot | None = None


def _lot_values(fields: Any) -> dict[str, Any]:
    """The editable fields of one change, held to their columns' bounds (a rejected change names the field)."""
    if not isinstance(fields, dict) or not fields:
        raise RuleViolationError("fields must be a non-empty object")
    unknown = sorted(set(fields) - set(LOT_EDIT_FIELDS))
    if unknown:
        raise RuleViolationError(f"Fields that cannot be synced: {', '.join(unknown)}")
    values = dict(fields)
    if "certifications" in values:
        names = values["certifications"]
        if isinstance(names, str):
            names = names.split(",")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise RuleViolationError("Invalid value for 'certifications': a list of names expected")
        values["certifications"] = ",".join(n.strip() for n in names if n.strip()) or None
    for name in ("farm_name", "location", "quality_grade"):
        if name in values and not isinstance(values[name], str):
            raise RuleViolationError(f"Invalid value for '{name}': text expected")
    try:
        check_document(values)
    except OutOfBoundsError as exc:
        raise RuleViolationError(str(exc)) from exc
    return values


async def _apply_lot_change(
    session: AsyncSession, principal: Principal, change: dict[str, Any]
) -> ChangeResult:
    lot_id = change.get("id")
    if not isinstance(lot_id, int) or isinstance(lot_id, bool):
        return ChangeResult("lot", lot_id, Outcome.REJECTED, "id must be a lot id")
    if principal.role not in ADMIN_ROLES | {Role.PRODUCER}:
        return ChangeResult("lot", lot_id, Outcome.REJECTED, "Your role may not edit lots")
    try:
        base = parse_ms("base_updated_at", change.get("base_updated_at"))
        values = _lot_values(change.get("fields"))
    except RuleViolationError as exc:
        return ChangeResult("lot", lot_id, Outcome.REJECTED, exc.message)
    lot = await session.get(ProducerLot, lot_id) if 0 < lot_id <= id_bound().high else None
    if lot is None:
        return ChangeResult("lot", lot_id, Outcome.REJECTED, "Lot not found")
    if principal.role == Role.PRODUCER and not is_own_company(principal, lot.producer_company_id):
        return ChangeResult("lot", lot_id, Outcome.REJECTED, "Not your lot")
    if lot.status != LOT_AVAILABLE:
        return ChangeResult(
            "lot", lot_id, Outcome.REJECTED, f"Only available lots can be edited ({lot.status})"
        )
    # written only if nobody changed the row after the client's version (to the millisecond), in one statement
    written = await rows_changed(
        session,
        update(ProducerLot)
        .where(
            ProducerLot.id == lot_id,
            ProducerLot.status == LOT_AVAILABLE,
            ProducerLot.updated_at < from_ms(base + 1),
        )
        .values(**values, updated_at=utcnow())
        .execution_options(synchronize_session=False),
    )
    await session.commit()
    await session.refresh(lot)
    if written != 1:
        return ChangeResult(
            "lot", lot_id, Outcome.CONFLICT, "The lot changed on the server since base_updated_at", lot
        )
    return ChangeResult("lot", lot_id, Outcome.APPLIED, lot=lot)


async def push(session: AsyncSession, principal: Principal, changes: list[Any]) -> list[ChangeResult]:
    if len(changes) > MAX_PUSH_CHANGES:
        raise RuleViolationError(f"At most {MAX_PUSH_CHANGES} changes per push")
    results = []
    for change in changes:
        if not isinstance(change, dict) or change.get("entity") != "lot":
            entity = change.get("entity") if isinstance(change, dict) else None
            ident = change.get("id") if isinstance(change, dict) else None
            results.append(
                ChangeResult(str(entity), ident, Outcome.REJECTED, "Only lot changes can be pushed")
            )
            continue
        results.append(await _apply_lot_change(session, principal, change))
    return results
