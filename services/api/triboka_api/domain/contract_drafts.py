"""S-03, S-04: a contract may be edited or deleted while it is a draft, by an admin or its creator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.access import contract_editable_by
from triboka_api.domain.contracts import to_cents
from triboka_api.domain.errors import ConflictError, PermissionDeniedError, RuleViolationError
from triboka_api.domain.principal import Principal
from triboka_api.models import ContractFixation, Dispatch, ExportContract, ProducerLot, utcnow

DRAFT = "draft"


@dataclass(frozen=True)
class DraftChanges:
    """The terms S-03 may change; None leaves a term as it is."""

    product_type: str | None = None
    product_grade: str | None = None
    total_volume_mt: float | None = None
    differential_usd: float | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    delivery_date: datetime | None = None


def check_draft_access(principal: Principal, contract: ExportContract, action: str) -> None:
    """403 unless admin/operator or the creator (Δ: ORIG's string/int comparison let only admins), then 400
    unless the contract is still a draft."""
    if not contract_editable_by(principal, contract):
        raise PermissionDeniedError(f"Only an admin or the contract's creator may {action} it")
    if contract.status != DRAFT:
        raise RuleViolationError(f"Only draft contracts can be {action}d (status: {contract.status})")


def apply_changes(contract: ExportContract, changes: DraftChanges) -> None:
    start = changes.start_date or contract.start_date
    end = changes.end_date or contract.end_date
    if start is not None and end is not None and end <= start:
        raise RuleViolationError("end_date must be after start_date")
    if changes.total_volume_mt is not None:
        volume = to_cents(changes.total_volume_mt)
        if volume <= 0:
            raise RuleViolationError("total_volume_mt must be greater than 0")
        if volume < (contract.fixed_volume_mt or Decimal(0)):
            raise RuleViolationError("total_volume_mt cannot be below the volume already fixed")
        contract.total_volume_mt = volume
    if changes.differential_usd is not None:
        contract.differential_usd = to_cents(changes.differential_usd)
    for name in ("product_type", "product_grade", "start_date", "end_date", "delivery_date"):
        value = getattr(changes, name)
        if value is not None:
            setattr(contract, name, value)
    contract.updated_at = utcnow()


async def delete_draft(session: AsyncSession, contract: ExportContract) -> None:
    """S-04: refused while fixations exist (the contract says so) and, beyond it, while lots or dispatches still
    point at the contract (deleting it would break their references)."""
    for column, what in (
        (ContractFixation.export_contract_id, "fixations"),
        (ProducerLot.export_contract_id, "lots"),
        (Dispatch.contract_id, "dispatches"),
    ):
        if await session.scalar(select(exists().where(column == contract.id))):
            raise RuleViolationError(f"Cannot delete a contract that has {what}")
    await session.delete(contract)
    try:
        await session.commit()
    except IntegrityError as exc:  # a fixation or dispatch committed between the checks and the delete
        await session.rollback()
        raise ConflictError("The contract changed meanwhile, please retry") from exc
