"""Producer lots, the marketplace and lot traceability (C-13..C-21)."""

from __future__ import annotations

from pydantic import BaseModel

from triboka_api.api.schemas.common import CompanyRef, Message

# JSON numbers of NUMERIC columns may be null where the column is (§1.5); datetimes are ISO strings


class LotItem(BaseModel):
    """C-13 list item."""

    id: int
    lot_code: str
    producer_company: str | None
    producer_company_id: int | None
    producer_name: str | None
    farm_name: str | None
    location: str | None
    product_type: str | None
    weight_kg: float | None
    weight_mt: float | None
    quality_grade: str | None
    quality_score: float | None
    moisture_content: float | None
    harvest_date: str | None
    purchase_date: str | None
    purchase_price_usd: float | None
    price_per_mt: float | None
    status: str | None
    created_at: str | None
    blockchain_lot_id: str | None
    export_contract_id: int | None
    batch_id: int | None
    certifications: list[str]
    has_contract: bool
    purchased_by: str | None
    created_by: str | None


class LotOrigin(BaseModel):
    """Where a lot comes from and what it is, as the contract and dashboard views list it."""

    id: int
    producer_company: str | None
    farm_name: str | None
    location: str | None
    weight_kg: float | None
    quality_grade: str | None
    harvest_date: str | None
    status: str | None


class LotCore(BaseModel):
    """Fields shared by the traceability `lot` object, batch `source_lots` items and the available lists."""

    id: int
    lot_code: str
    producer_company: str | None
    producer_name: str | None = None  # not in PUT /api/lots/{id}'s answer
    farm_name: str | None
    location: str | None
    product_type: str | None
    weight_kg: float | None
    quality_grade: str | None
    harvest_date: str | None
    certifications: list[str]


class LotAvailable(LotCore):
    """C-16 / C-17 item."""

    created_at: str | None
    blockchain_lot_id: str | None


class LotCreated(Message):
    lot_id: int
    blockchain_lot_id: None


class LotUpdatedView(LotCore):
    status: str | None
    updated_at: str | None


class LotUpdated(Message):
    lot: LotUpdatedView


class PurchasedLot(BaseModel):
    id: int
    lot_code: str
    producer_company: str | None
    weight_kg: float | None
    purchase_price_usd: float | None
    purchase_date: str | None
    status: str | None
    purchased_by: str | None


class LotPurchased(Message):
    lot: PurchasedLot


class IntegrationMetadata(BaseModel):
    moisture_content: float | None
    quality_score: float | None
    certifications_list: list[str]


class LotIntegrationView(BaseModel):
    """C-18: the Spanish-keyed AgroWeight shape (§9 #14)."""

    id: str
    lote_nft_id: str | None
    nft_id: str | None
    productor_id: str
    productor_nombre: str
    finca: str
    producto: str
    peso_estimado_kg: float | None
    tipo_cacao: str
    humedad_estimada: float | None
    empresa_erp_id: str
    contrato_id: str
    estado: str
    fecha_creacion: str | None
    metadata: IntegrationMetadata


class LotSearchItem(BaseModel):
    """C-19 item."""

    id: int
    lot_code: str
    product_type: str | None
    weight_kg: float | None
    quality_grade: str | None
    producer_name: str | None
    farm_name: str | None
    location: str | None
    status: str | None
    producer_company: str | None  # the company's name, its id beside it (Δ 152)
    producer_company_id: int | None
    created_at: str | None


class LotForBatch(BaseModel):
    """C-21 item."""

    id: int
    lot_code: str
    weight_kg: float
    weight_mt: float
    purchase_price_usd: float
    price_per_mt: float
    producer_name: str | None
    farm_name: str | None
    location: str | None
    harvest_date: str | None
    quality_score: float | None
    moisture_content: float | None
    status: str | None
    certifications: str | None
    product_type: str | None
    purchased_by_company: CompanyRef | None
    producer_company: CompanyRef | None


class LotsForBatch(BaseModel):
    success: bool
    count: int
    lots: list[LotForBatch]


class TraceLot(LotCore):
    purchase_date: str | None
    purchase_price_usd: float | None
    status: str | None
    created_at: str | None
    blockchain_lot_id: None


class TraceBatch(BaseModel):
    id: int
    batch_code: str
    total_weight_kg: float | None
    status: str | None
    created_at: str | None
    exporter_company: str | None
    blockchain_batch_id: str | None
    lot_contribution_percentage: float


class TimelineEntry(BaseModel):
    event: str
    timestamp: str | None
    actor: str | None
    description: str
    tx_hash: None
    block_number: None
    icon: str
    color: str


class LotTraceability(BaseModel):
    """C-20."""

    lot: TraceLot
    batches: list[TraceBatch]
    timeline: list[TimelineEntry]
    blockchain: None
    traceability_complete: bool
