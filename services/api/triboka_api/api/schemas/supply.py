"""Batches, contracts, fixations and dispatches (C-22..C-39)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from triboka_api.api.schemas.common import CompanyRef, Message, UserObject
from triboka_api.api.schemas.lots import LotCore, LotOrigin


class Batch(BaseModel):
    """`batch.to_dict` (C-22 and nested views)."""

    id: int
    batch_code: str
    source_lot_ids: list[int]
    source_lot_weights: list[float]
    total_weight_kg: float | None
    batch_type: str | None
    location: str | None
    creator_company_id: int | None
    current_owner_company_id: int | None
    blockchain_batch_id: str | None
    status: str | None
    created_at: str | None


class BatchCreated(Message):
    batch: Batch


class BatchSourceLot(BaseModel):
    id: int
    lot_code: str
    producer_company: str | None
    weight_kg: float | None
    contribution_percentage: float


class BatchListItem(Batch):
    """C-23 item."""

    creator_company: CompanyRef | None
    current_owner_company: CompanyRef | None
    source_lots: list[BatchSourceLot]


class BatchDetailLot(LotCore):
    contribution_percentage: float


class BatchDetail(Batch):
    """C-24."""

    source_lots: list[BatchDetailLot]


class ContractTerms(BaseModel):
    id: int
    contract_code: str
    product_type: str | None
    product_grade: str | None
    total_volume_mt: float | None
    fixed_volume_mt: float | None
    differential_usd: float | None
    start_date: str | None
    end_date: str | None
    delivery_date: str | None
    status: str | None
    blockchain_contract_id: str | None
    created_at: str | None


class Contract(ContractTerms):
    """`contract.to_dict` (C-26, C-28 and nested views)."""

    buyer_company_id: int | None
    exporter_company_id: int | None
    created_by_user_id: int | None
    updated_at: str | None


class ContractListItem(ContractTerms):
    """C-25 item."""

    buyer_company: str | None
    exporter_company: str | None
    pending_volume_mt: float | None


class ContractCreated(Message):
    contract: Contract
    contract_id: int
    blockchain_contract_id: None


class ContractParty(BaseModel):
    id: int
    name: str | None
    blockchain_address: str | None


class ContractFixationItem(BaseModel):
    id: int
    fixed_quantity_mt: float | None
    spot_price_usd: float | None
    total_value_usd: float | None
    fixation_date: str | None
    notes: str | None
    blockchain_fixation_id: str | None


class ContractLot(LotOrigin):
    blockchain_lot_id: str | None


class ContractDetail(ContractTerms):
    """C-27."""

    buyer_company: ContractParty | None
    exporter_company: ContractParty | None
    pending_volume_mt: float | None
    fixations: list[ContractFixationItem]
    lots: list[ContractLot]


class ContractChanged(Message):
    contract: Contract


class Fixation(ContractFixationItem):
    """`fixation.to_dict`."""

    export_contract_id: int
    created_by_user_id: int | None
    created_at: str | None


class Dispatch(BaseModel):
    """`dispatch.to_dict`: costs read 0 when unset."""

    id: int
    dispatch_code: str
    contract_id: int | None
    batch_id: int | None
    quantity_mt: float | None
    destination_country: str | None
    destination_port: str | None
    destination_company: str | None
    shipping_date: str | None
    estimated_delivery_date: str | None
    actual_delivery_date: str | None
    carrier_name: str | None
    vessel_name: str | None
    tracking_number: str | None
    bill_of_lading: str | None
    status: str | None
    freight_cost_usd: float
    insurance_cost_usd: float
    other_costs_usd: float
    created_by_id: int | None
    documents: list[Any]
    notes: str | None
    created_at: str | None
    updated_at: str | None


class DispatchFull(Dispatch):
    """C-35 / C-37."""

    contract: Contract | None
    batch: Batch | None
    created_by: UserObject | None


class Pagination(BaseModel):
    page: int
    per_page: int
    total: int
    pages: int


class DispatchPagination(Pagination):
    has_next: bool
    has_prev: bool


class DispatchList(BaseModel):
    dispatches: list[DispatchFull]
    pagination: DispatchPagination


class DispatchChanged(Message):
    dispatch: Dispatch


class DispatchView(BaseModel):
    dispatch: DispatchFull


class MonthlyDispatches(BaseModel):
    year: int
    month: int
    count: int
    total_quantity_mt: float


class DestinationStat(BaseModel):
    country: str | None
    count: int
    total_quantity_mt: float


class DispatchStats(BaseModel):
    total_dispatches: int
    status_distribution: dict[str, int]
    monthly_stats: list[MonthlyDispatches]
    top_destinations: list[DestinationStat]


class FixationCreated(Message):
    """C-29."""

    fixation_id: int
    blockchain_fixation_id: None
    total_value_usd: float | None
    contract_fixed_volume_mt: float | None
    contract_pending_volume_mt: float | None


class ContractSummary(BaseModel):
    total_volume: float | None
    fixed_volume: float | None
    available_volume: float | None


class FixationWithSummary(Message):
    fixation: Fixation
    contract_summary: ContractSummary


class FixationDeleted(Message):
    contract_summary: ContractSummary


class ContractRef(BaseModel):
    id: int
    contract_code: str
    buyer_company: str | None
    exporter_company: str | None


class FixationListItem(Fixation):
    contract: ContractRef
    created_by: UserObject | None


class FixationList(BaseModel):
    fixations: list[FixationListItem]
    pagination: Pagination


class FixationDetail(Fixation):
    contract: Contract
    created_by: UserObject | None


class FixationView(BaseModel):
    fixation: FixationDetail


class MonthlyFixations(BaseModel):
    quantity: float
    value: float
    count: int


class FixationSummary(BaseModel):
    contract_id: int
    contract_code: str
    total_volume: float
    fixed_volume: float
    available_volume: float
    total_value_usd: float
    average_price_usd: float
    fixation_count: int
    monthly_summary: dict[str, MonthlyFixations]
    fixations: list[Fixation]
