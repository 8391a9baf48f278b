from __future__ import annotations

from typing import Any

from triboka_api.models import BatchNft, ProducerLot
from triboka_api.serializers.common import company_name, company_ref, iso, num
from triboka_api.serializers.lots import contribution, lot_detail_core


def batch_base(batch: BatchNft) -> dict[str, Any]:
    """`batch.to_dict` of the contract (C-22 and nested views)."""
    return {
        "id": batch.id,
        "batch_code": batch.batch_code,
        "source_lot_ids": batch.source_lot_ids,
        "source_lot_weights": batch.source_lot_weights,
        "total_weight_kg": num(batch.total_weight_kg),
        "batch_type": batch.batch_type,
        "location": batch.location,
        "creator_company_id": batch.creator_company_id,
        "current_owner_company_id": batch.current_owner_company_id,
        "blockchain_batch_id": batch.blockchain_batch_id,
        "status": batch.status,
        "created_at": iso(batch.created_at),
    }


def batch_list_item(batch: BatchNft, lots: dict[int, ProducerLot]) -> dict[str, Any]:
    """C-23 item: the base object plus company refs and source lot summaries."""
    return {
        **batch_base(batch),
        "creator_company": company_ref(batch.creator_company, with_type=True),
        "current_owner_company": company_ref(batch.current_owner_company, with_type=True),
        "source_lots": [
            {
                "id": lot.id,
                "lot_code": lot.lot_code,
                "producer_company": company_name(lot.producer_company),
                "weight_kg": num(lot.weight_kg),
                "contribution_percentage": contribution(lot.weight_kg, batch.total_weight_kg),
            }
            for lot_id in batch.source_lot_ids
            if (lot := lots.get(lot_id)) is not None
        ],
    }


def batch_detail(batch: BatchNft, lots: dict[int, ProducerLot]) -> dict[str, Any]:
    """C-24: the base object plus detailed source lots (no `sub_batches`)."""
    return {
        **batch_base(batch),
        "source_lots": [
            {
                **lot_detail_core(lot),
                "contribution_percentage": contribution(lot.weight_kg, batch.total_weight_kg),
            }
            for lot_id in batch.source_lot_ids
            if (lot := lots.get(lot_id)) is not None
        ],
    }


def batch_available_item(batch: BatchNft) -> dict[str, Any]:
    """S-08 item: no prices or sales are recorded for batches, hence the zeros (as the first generation)."""
    quantity = num(batch.total_weight_kg)
    return {
        "id": batch.id,
        "code": batch.batch_code,
        "quantity": quantity,
        "available_quantity": quantity,
        "sold_quantity": 0,
        "price_per_unit": 0,
        "total_value": 0,
        "status": batch.status,
        "created_at": iso(batch.created_at),
        "creator_company": company_ref(batch.creator_company, with_type=True),
    }


def batch_search_item(batch: BatchNft) -> dict[str, Any]:
    """S-09 item."""
    return {
        "id": batch.id,
        "code": batch.batch_code,
        "total_weight_kg": num(batch.total_weight_kg),
        "batch_type": batch.batch_type,
        "location": batch.location,
        "status": batch.status,
        "creator_company": company_ref(batch.creator_company, with_type=True),
        "created_at": iso(batch.created_at),
    }
