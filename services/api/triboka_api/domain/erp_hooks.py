"""The ERP's hooks into Triboka: a producer's profile (S-68) and an export batch the ERP announces (S-69).

S-68 reads what the data holds about a producer cooperative (Δ 194): its varieties and certifications are those of
its lots, its location the latest lot's (or its country), and the phone null, because no table stores one.
S-69 creates the batch for the API key's company (Δ 195); the lots named by the ERP's codes are counted in the
answer, not linked (S-57 is the integration that moves lots into a batch under the lot rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.errors import NotFoundError, RuleViolationError
from triboka_api.models import BatchNft, Company, ProducerLot

KG_PER_QUINTAL = Decimal("45.36")  # the Ecuadorian quintal: 100 pounds


@dataclass(frozen=True)
class ProducerProfile:
    company: Company
    varieties: list[str]
    certifications: list[str]
    location: str | None


async def producer_profile(session: AsyncSession, company_id: int) -> ProducerProfile:
    """404 unless the company is a producer."""
    company = await session.get(Company, company_id)
    if company is None or company.company_type != "producer":
        raise NotFoundError("Producer")
    lots = (
        await session.execute(
            select(ProducerLot.product_type, ProducerLot.certifications, ProducerLot.location)
            .where(ProducerLot.producer_company_id == company_id)
            .order_by(ProducerLot.created_at.desc(), ProducerLot.id.desc())
        )
    ).all()
    varieties = sorted({lot.product_type for lot in lots if lot.product_type})
    certifications = sorted(
        {part.strip() for lot in lots for part in (lot.certifications or "").split(",") if part.strip()}
    )
    location = next((lot.location for lot in lots if lot.location), None) or company.country
    return ProducerProfile(company, varieties, certifications, location)


@dataclass(frozen=True)
class ExportBatchRequest:
    batch_code: str
    destination: str | None
    weight_kg: Decimal | None
    weight_qq: Decimal | None


def _weight_kg(request: ExportBatchRequest) -> Decimal:
    if request.weight_kg is not None:
        return request.weight_kg
    return (request.weight_qq or Decimal(0)) * KG_PER_QUINTAL


async def create_export_batch(
    session: AsyncSession, company_id: int, request: ExportBatchRequest
) -> BatchNft:
    """S-69: an export batch of the key's company at the destination country; a taken code is 400."""
    if await session.scalar(select(BatchNft.id).where(BatchNft.batch_code == request.batch_code)) is not None:
        raise RuleViolationError(f"batch_code {request.batch_code} already exists")
    batch = BatchNft(
        batch_code=request.batch_code,
        total_weight_kg=_weight_kg(request).quantize(Decimal("0.01")),
        batch_type="export",
        location=request.destination,
        creator_company_id=company_id,
        current_owner_company_id=company_id,
        blockchain_batch_id=None,
        status="created",
    )
    session.add(batch)
    try:
        await session.commit()
    except IntegrityError as exc:  # the same code created concurrently
        await session.rollback()
        raise RuleViolationError(f"batch_code {request.batch_code} already exists") from exc
    return batch
