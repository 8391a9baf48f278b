"""Role dashboards and the analytics summary (C-47..C-50)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from triboka_api.api.schemas.lots import LotOrigin


class ProducerMetrics(BaseModel):
    total_lots: int
    available_lots: int
    purchased_lots: int
    total_weight_kg: float
    total_revenue_usd: float


class ProducerDashboardLot(LotOrigin):
    lot_code: str
    purchase_date: str | None
    purchase_price_usd: float | None
    certifications: list[str]
    exporter_name: str | None


class ProducerDashboard(BaseModel):
    metrics: ProducerMetrics
    lots: list[ProducerDashboardLot]


class ExporterMetrics(BaseModel):
    total_purchased_lots: int
    total_weight_purchased_kg: float
    total_batches: int
    total_batch_weight_kg: float
    available_lots_count: int


class ExporterAvailableLot(BaseModel):
    id: int
    lot_code: str
    producer_name: str | None
    farm_name: str | None
    location: str | None
    weight_kg: float | None
    quality_grade: str | None
    harvest_date: str | None
    certifications: list[str]
    status: str | None


class ExporterPurchasedLot(BaseModel):
    id: int
    lot_code: str
    producer_name: str | None
    weight_kg: float | None
    purchase_price_usd: float | None
    purchase_date: str | None
    quality_grade: str | None
    status: str | None


class ExporterBatch(BaseModel):
    id: int
    batch_code: str
    total_weight_kg: float | None
    status: str | None
    created_at: str | None


class ExporterDashboard(BaseModel):
    metrics: ExporterMetrics
    available_lots: list[ExporterAvailableLot]
    purchased_lots: list[ExporterPurchasedLot]
    batches: list[ExporterBatch]


class BuyerMetrics(BaseModel):
    available_batches: int
    total_weight_available_kg: float


class BuyerBatch(BaseModel):
    id: int
    batch_code: str
    exporter_name: str
    total_weight_kg: float | None
    quality_grade: str
    status: str | None
    created_at: str | None
    source_lots_count: int
    certifications: list[str]
    location: str


class BuyerDashboard(BaseModel):
    metrics: BuyerMetrics
    batches: list[BuyerBatch]


class AnalyticsSummary(BaseModel):
    """The caller role's figures: admins see the platform's, exporters, buyers and producers their own (only
    the keys of the caller's role are present; other roles get an empty object)."""

    total_contracts: int | None = None
    my_contracts: int | None = None
    active_contracts: int | None = None
    total_volume_mt: float | None = None
    fixed_volume_mt: float | None = None
    total_lots: int | None = None
    available_lots: int | None = None
    total_companies: int | None = None
    blockchain_status: dict[str, Any] | None = None
    my_fixations: int | None = None
    available_lots_with_contract: int | None = None
    producers_with_contract: int | None = None
    my_lots: int | None = None
    total_weight_kg: float | None = None
    assigned_lots: int | None = None
