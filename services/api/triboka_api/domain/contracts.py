"""Contract status machine (§4.7) and the fixation rule set shared by C-29 and C-30 (§4.8, §9 #3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, Update, bindparam, case, func, insert, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from triboka_api.db import autocommit_until_commit
from triboka_api.domain.errors import RuleViolationError
from triboka_api.models import ContractFixation, ExportContract, utcnow

CONTRACT_STATUSES = ("draft", "active", "suspended", "completed", "cancelled")
CONTRACT_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"active", "cancelled"}),
    "active": frozenset({"suspended", "completed"}),
    "suspended": frozenset({"active", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}
FIXABLE_STATUSES = frozenset({"draft", "active"})
CENT = Decimal("0.01")


def to_cents(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def check_transition(contract: ExportContract, target: str) -> None:
    if target not in CONTRACT_STATUSES:
        raise RuleViolationError(f"Invalid status '{target}'. Valid: {', '.join(CONTRACT_STATUSES)}")
    if target not in CONTRACT_TRANSITIONS.get(contract.status, frozenset()):
        raise RuleViolationError(f"Cannot change contract status from '{contract.status}' to '{target}'")
    if target == "active" and (
        not contract.total_volume_mt
        or contract.total_volume_mt <= 0
        or not contract.start_date
        or not contract.end_date
    ):
        raise RuleViolationError("An active contract needs a positive volume and start and end dates")


# the contract's columns a fixation changes or its answer shows
_FIXATION_RETURNS = ("fixed_volume_mt", "total_volume_mt", "status", "updated_at")


@dataclass(frozen=True)
class FixationResult:
    fixation: ContractFixation
    contract: ExportContract


def _check_fixable(contract: ExportContract, quantity: Decimal) -> None:
    if contract.status not in FIXABLE_STATUSES:
        raise RuleViolationError(f"Cannot fix prices on a contract with status '{contract.status}'")
    pending = contract.pending_volume_mt
    if quantity > pending:
        raise RuleViolationError(
            f"Quantity exceeds the pending volume of the contract ({float(pending):.2f} MT available)"
        )


async def fix_price(
    session: AsyncSession,
    contract: ExportContract,
    *,
    quantity_mt: float,
    spot_price_usd: float,
    notes: str,
    fixation_date: datetime | None,
    user_id: int,
) -> FixationResult:
    """Record a fixation and add its volume to the contract in one transaction.

    The volume check and the increment are one conditional UPDATE, so two concurrent fixations that together
    exceed the pending volume cannot both pass: on PostgreSQL the second waits for the first's row lock and then
    re-evaluates the condition; on SQLite writers are serialized. The UPDATE returns the contract's new figures.
    Concurrent fixations of one contract queue on its row lock, so what happens while it is held is paid once per
    fixation in the queue (issue 16, goal 2): on PostgreSQL the UPDATE and the fixation's INSERT are one
    autocommitted statement (`_FIX_PRICE`), which holds the lock only inside the server, for the statement and its
    COMMIT, instead of from the UPDATE's answer to the COMMIT that the API sends once its event loop gets back to it.
    """
    quantity, spot = to_cents(quantity_mt), to_cents(spot_price_usd)
    if quantity <= 0 or spot <= 0:
        raise RuleViolationError("fixed_quantity_mt and spot_price_usd must be greater than 0")
    _check_fixable(contract, quantity)
    differential = contract.differential_usd or Decimal(0)
    now = utcnow()
    fixation = ContractFixation(
        export_contract_id=contract.id,
        fixed_quantity_mt=quantity,
        spot_price_usd=spot,
        differential_usd=differential,
        total_value_usd=(quantity * (spot + differential)).quantize(CENT, rounding=ROUND_HALF_UP),
        fixation_date=fixation_date or now,
        notes=notes,
        created_by_user_id=user_id,
        created_at=now,
    )
    if session.get_bind().dialect.name == "postgresql":
        updated = await _fix_in_one_statement(session, fixation, now)
    else:
        updated = await _fix_in_a_transaction(session, fixation, now)
    if updated is None:
        await session.rollback()
        await session.refresh(contract)
        _check_fixable(contract, quantity)
        raise RuleViolationError("The contract changed meanwhile, please retry")
    # the row as the UPDATE left it, without a read after the commit (set as loaded state, not as a change)
    for name, value in zip(_FIXATION_RETURNS, updated, strict=True):
        set_committed_value(contract, name, value)
    return FixationResult(fixation=fixation, contract=contract)


def _fixed_volume_update() -> Update:
    """The conditional UPDATE of the contract's fixed volume, its values as parameters (built once)."""
    table = ExportContract.__table__
    # Rounded to cents in SQL: SQLite keeps NUMERIC as binary floats (0.1 + 0.2 > 0.3), PostgreSQL is exact anyway.
    fixed = func.round(table.c.fixed_volume_mt + bindparam("quantity", type_=table.c.fixed_volume_mt.type), 2)
    return (
        update(table)
        .where(
            table.c.id == bindparam("contract_id"),
            table.c.status.in_(FIXABLE_STATUSES),
            fixed <= table.c.total_volume_mt,
        )
        .values(fixed_volume_mt=fixed, updated_at=bindparam("now", type_=table.c.updated_at.type))
    )


_FIXATION_COLUMNS = (
    "fixed_quantity_mt",
    "spot_price_usd",
    "differential_usd",
    "total_value_usd",
    "fixation_date",
    "notes",
    "created_by_user_id",
    "created_at",
)


def _fix_price_statement() -> Select[Any]:
    """PostgreSQL: the UPDATE, and the fixation's INSERT fed by the row it updated (none when the condition
    failed), as one statement that returns the fixation's id and the contract's new figures."""
    fixations = ContractFixation.__table__
    updated = (
        _fixed_volume_update()
        .returning(ExportContract.__table__.c.id, *(ExportContract.__table__.c[n] for n in _FIXATION_RETURNS))
        .cte("updated")
    )
    # not the columns' own names: executed with them, SQLAlchemy would add the contract's namesakes (notes,
    # created_at, ...) to the UPDATE's SET
    values = [bindparam(f"new_{name}", type_=fixations.c[name].type) for name in _FIXATION_COLUMNS]
    inserted = (
        insert(fixations)
        .from_select(["export_contract_id", *_FIXATION_COLUMNS], select(updated.c.id, *values))
        .returning(fixations.c.id)
        .cte("inserted")
    )
    return select(inserted.c.id, *(updated.c[n] for n in _FIXATION_RETURNS)).select_from(
        updated.join(inserted, true())
    )


# built once: composing them per request costs CPU on the hot write path
_FIX_PRICE = _fix_price_statement()
_FIXED_VOLUME_UPDATE = _fixed_volume_update().returning(
    *(ExportContract.__table__.c[n] for n in _FIXATION_RETURNS)
)


def _update_values(fixation: ContractFixation, now: datetime) -> dict[str, Any]:
    # only the UPDATE's own parameters, none named as a column (SQLAlchemy would add it to the SET)
    return {"contract_id": fixation.export_contract_id, "quantity": fixation.fixed_quantity_mt, "now": now}


async def _fix_in_one_statement(
    session: AsyncSession, fixation: ContractFixation, now: datetime
) -> tuple[Any, ...] | None:
    """PostgreSQL: `_FIX_PRICE` autocommitted (a read transaction of the session ended first); sets the fixation's
    id."""
    await autocommit_until_commit(session)
    values = {f"new_{name}": getattr(fixation, name) for name in _FIXATION_COLUMNS}
    row = (await session.execute(_FIX_PRICE, values | _update_values(fixation, now))).first()
    await session.commit()
    if row is None:
        return None
    fixation.id = row[0]
    return tuple(row[1:])


async def _fix_in_a_transaction(
    session: AsyncSession, fixation: ContractFixation, now: datetime
) -> tuple[Any, ...] | None:
    """SQLite (writers serialized by the database): the fixation's INSERT, then the conditional UPDATE, committed."""
    session.add(fixation)
    await session.flush()
    updated = (await session.execute(_FIXED_VOLUME_UPDATE, _update_values(fixation, now))).first()
    if updated is None:
        return None
    await session.commit()
    return tuple(updated)


async def remove_fixation(session: AsyncSession, fixation: ContractFixation) -> ExportContract:
    """Delete a fixation and give its volume back to the contract (C-33), in one transaction."""
    table = ExportContract.__table__
    remaining = func.round(table.c.fixed_volume_mt - fixation.fixed_quantity_mt, 2)
    await session.execute(
        update(table)
        .where(table.c.id == fixation.export_contract_id)
        .values(
            fixed_volume_mt=case((remaining < 0, 0), else_=remaining),
            updated_at=utcnow(),
        )
    )
    await session.delete(fixation)
    await session.commit()
    contract = await session.get(ExportContract, fixation.export_contract_id, populate_existing=True)
    assert contract is not None
    return contract
