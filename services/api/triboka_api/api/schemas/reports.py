"""Market prices, the audit log and health (C-01, C-02, C-46, Δ)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from triboka_api.api.schemas.common import Message


class Spot(BaseModel):
    price: float
    change: float
    currency: str
    unit: str
    source: str


class ContractPrices(BaseModel):
    avgPrice: float  # noqa: N815 - the contract's key
    activeCount: int  # noqa: N815
    totalVolume: float  # noqa: N815


class FixedPrices(BaseModel):
    avgPrice: float  # noqa: N815
    volume: float


class Differential(BaseModel):
    value: float
    percent: float
    status: str
    type: str
    explanation: str


class MarketRange(BaseModel):
    rangeMin: float  # noqa: N815
    rangeMax: float  # noqa: N815
    volatility: float


class DataPoints(BaseModel):
    lots_analyzed: int
    contracts_active: int | None
    total_fixed_mt: float


class MarketSummary(BaseModel):
    spot: Spot
    contracts: ContractPrices
    fixed: FixedPrices
    differential: Differential
    market: MarketRange
    business_logic: dict[str, Any]
    timestamp: str
    source: str
    data_points: DataPoints


class PriceRecorded(Message):
    price_date: str
    close_usd_per_mt: float
    source: str


class AuditEvent(BaseModel):
    id: int
    occurred_at: str
    event_type: str
    outcome: str
    actor_user_id: int | None
    target_user_id: int | None
    target_email: str | None
    ip: str | None
    request_id: str | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    events: list[AuditEvent]
    total: int
    limit: int
    offset: int


class Health(BaseModel):
    status: str
    service: str
    database: str
    blockchain: str
    timestamp: str
    version: str


class Liveness(BaseModel):
    status: str
