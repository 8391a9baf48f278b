"""Answers of the second-tier extras: contract and fixation changes (S-03..S-06), purchases and batch views
(S-07..S-10) and the legacy trace API (S-75..S-78)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from triboka_api.api.schemas.common import CompanyRef, Message
from triboka_api.api.schemas.lots import LotItem
from triboka_api.api.schemas.supply import Batch, Fixation

# JSON numbers of NUMERIC columns may be null where the column is (§1.5); datetimes are ISO strings


class PurchaseContract(BaseModel):
    contract_id: int
    contract_code: str
    producer: str
    volume_mt: float
    lot_count: int


class PurchaseContractsCreated(Message):
    """S-04: one purchase contract per producer of the lots."""

    contracts: list[PurchaseContract]


class FixationChanged(Message):
    fixation: Fixation


class PurchasedLotItem(BaseModel):
    """S-07 item (`certifications` as stored, a comma-separated string)."""

    id: int
    lot_code: str
    product_type: str | None
    weight_kg: float | None
    quality_grade: str | None
    purchase_price_usd: float | None
    purchase_date: str | None
    status: str | None
    producer_name: str | None
    farm_name: str | None
    location: str | None
    certifications: str | None
    batch_id: int | None
    purchase_tx_hash: str | None
    producer_company: CompanyRef | None


class AvailableBatch(BaseModel):
    """S-08 item: no batch prices or sales are recorded, hence the zeros."""

    id: int
    code: str
    quantity: float | None
    available_quantity: float | None
    sold_quantity: float
    price_per_unit: float
    total_value: float
    status: str | None
    created_at: str | None
    creator_company: CompanyRef | None


class BatchSearchItem(BaseModel):
    """S-09 item."""

    id: int
    code: str
    total_weight_kg: float | None
    batch_type: str | None
    location: str | None
    status: str | None
    creator_company: CompanyRef | None
    created_at: str | None


class ChainLot(BaseModel):
    """S-10 `traceability_chain` item."""

    lot_id: int
    lot_code: str
    producer_name: str | None
    farm_name: str | None
    location: str | None
    harvest_date: str | None
    certifications: str | None
    blockchain_lot_id: str | None


class BatchTraceability(BaseModel):
    batch: Batch
    source_lots: list[LotItem]
    traceability_chain: list[ChainLot]


class LegacyEvent(BaseModel):
    """An event in the legacy API's terms; `measurements` only for admins (C-42's private fields)."""

    id: int
    event_type: str
    entity_type: str
    entity_id: str
    location: str | None
    notes: str | None
    created_by: int | None
    created_by_name: str | None
    timestamp: str | None
    created_at: str | None
    event_hash: str | None
    previous_hash: str | None
    measurements: dict[str, Any] | None = None


class LegacyEventRecorded(Message):
    event: LegacyEvent


class LegacyEventPage(BaseModel):
    events: list[LegacyEvent]
    total: int
    limit: int
    offset: int


class LegacyTimeline(BaseModel):
    entity_type: str
    entity_id: str
    timeline: list[LegacyEvent]
    total_events: int


class LinkValidation(BaseModel):
    event_id: int
    chain_position: int | None
    event_type: str
    valid: bool
    issues: list[str]


class ChainValidation(BaseModel):
    entity_type: str
    entity_id: str
    is_valid: bool
    validation_details: list[LinkValidation]
    blockchain_verification: bool
