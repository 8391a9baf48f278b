from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from triboka_api.domain.lot_list import LOT_LIST_COLUMNS
from triboka_api.domain.lots import price_per_mt, quality_score
from triboka_api.models import ProducerLot
from triboka_api.serializers.common import certification_list, company_name, company_ref, iso, num, num0


def lot_item(row: Sequence[Any]) -> dict[str, Any]:
    """C-13 list item (also Δ 150's `GET /api/lots/{id}`; schema: `api.schemas.lots.LotItem`), from a row of
    `domain.lot_list`'s statement: its numbers are floats already and its datetimes are left to the JSON encoder
    (the same ISO text). The marketplace list is the hot path, so the row's values are zipped with the column names
    in C and only the derived keys are computed here."""
    item = dict(zip(LOT_LIST_COLUMNS, row, strict=True))
    weight = item["weight_kg"]
    item["weight_mt"] = None if weight is None else weight / 1000
    item["quality_score"] = quality_score(item["quality_grade"])
    item["price_per_mt"] = price_per_mt(item["purchase_price_usd"], weight)
    item["certifications"] = certification_list(item["certifications"])
    item["has_contract"] = item["export_contract_id"] is not None
    return item


def lot_available_item(lot: ProducerLot) -> dict[str, Any]:
    """C-16 / C-17 item."""
    return {
        **lot_detail_core(lot),
        "created_at": iso(lot.created_at),
        "blockchain_lot_id": lot.blockchain_lot_id,
    }


def lot_integration_view(lot: ProducerLot, contract_code: str | None) -> dict[str, Any]:
    """C-18: the Spanish-keyed AgroWeight shape, placeholders included (§9 #14)."""
    return {
        "id": str(lot.id),
        "lote_nft_id": lot.blockchain_lot_id,
        "nft_id": lot.blockchain_lot_id,
        "productor_id": "P001",
        "productor_nombre": lot.producer_name or "Productor desconocido",
        "finca": lot.farm_name or "Finca desconocida",
        "producto": lot.product_type or "Cacao Seco",
        "peso_estimado_kg": num(lot.weight_kg),
        "tipo_cacao": lot.quality_grade or "Standard",
        "humedad_estimada": num(lot.moisture_content),
        "empresa_erp_id": company_name(lot.producer_company) or "AGROCROP",
        "contrato_id": contract_code or "CTR-2025-001",
        "estado": lot.status or "available",
        "fecha_creacion": iso(lot.created_at),
        "metadata": {
            "moisture_content": num(lot.moisture_content),
            "quality_score": quality_score(lot.quality_grade),
            "certifications_list": certification_list(lot.certifications),
        },
    }


def lot_search_item(lot: ProducerLot) -> dict[str, Any]:
    """C-19 item; `producer_company` is the company's name and `producer_company_id` its id, as in C-13 (Δ 152)."""
    return {
        "id": lot.id,
        "lot_code": lot.lot_code,
        "product_type": lot.product_type,
        "weight_kg": num(lot.weight_kg),
        "quality_grade": lot.quality_grade,
        "producer_name": lot.producer_name,
        "farm_name": lot.farm_name,
        "location": lot.location,
        "status": lot.status,
        "producer_company": company_name(lot.producer_company),
        "producer_company_id": lot.producer_company_id,
        "created_at": iso(lot.created_at),
    }


def lot_for_batch_item(lot: ProducerLot) -> dict[str, Any]:
    """C-21 item: raw certification string and zero defaults, as the contract keeps them."""
    weight = num0(lot.weight_kg)
    return {
        "id": lot.id,
        "lot_code": lot.lot_code,
        "weight_kg": weight,
        "weight_mt": weight / 1000,
        "purchase_price_usd": num0(lot.purchase_price_usd),
        "price_per_mt": price_per_mt(lot.purchase_price_usd, lot.weight_kg) or 0,
        "producer_name": lot.producer_name,
        "farm_name": lot.farm_name,
        "location": lot.location,
        "harvest_date": iso(lot.harvest_date),
        "quality_score": quality_score(lot.quality_grade),
        "moisture_content": num(lot.moisture_content),
        "status": lot.status,
        "certifications": lot.certifications,
        "product_type": lot.product_type,
        "purchased_by_company": company_ref(lot.purchased_by_company, with_type=True),
        "producer_company": company_ref(lot.producer_company),
    }


def lot_detail_core(lot: ProducerLot) -> dict[str, Any]:
    """Fields shared by the traceability `lot` object and batch `source_lots` items."""
    return {
        "id": lot.id,
        "lot_code": lot.lot_code,
        "producer_company": company_name(lot.producer_company),
        "producer_name": lot.producer_name,
        "farm_name": lot.farm_name,
        "location": lot.location,
        "product_type": lot.product_type,
        "weight_kg": num(lot.weight_kg),
        "quality_grade": lot.quality_grade,
        "harvest_date": iso(lot.harvest_date),
        "certifications": certification_list(lot.certifications),
    }


def contribution(weight: Decimal | None, total: Decimal | None) -> float:
    if not total or weight is None:
        return 0.0
    return round(float(weight) / float(total) * 100, 2)


def lot_purchase_item(lot: ProducerLot) -> dict[str, Any]:
    """S-07 item: `certifications` as the stored string, as the first generation returned it."""
    return {
        "id": lot.id,
        "lot_code": lot.lot_code,
        "product_type": lot.product_type,
        "weight_kg": num(lot.weight_kg),
        "quality_grade": lot.quality_grade,
        "purchase_price_usd": num(lot.purchase_price_usd),
        "purchase_date": iso(lot.purchase_date),
        "status": lot.status,
        "producer_name": lot.producer_name,
        "farm_name": lot.farm_name,
        "location": lot.location,
        "certifications": lot.certifications,
        "batch_id": lot.batch_id,
        "purchase_tx_hash": lot.purchase_tx_hash,
        "producer_company": company_ref(lot.producer_company, with_type=True),
    }


def lot_chain_link(lot: ProducerLot) -> dict[str, Any]:
    """S-10 `traceability_chain` item."""
    return {
        "lot_id": lot.id,
        "lot_code": lot.lot_code,
        "producer_name": lot.producer_name,
        "farm_name": lot.farm_name,
        "location": lot.location,
        "harvest_date": iso(lot.harvest_date),
        "certifications": lot.certifications,
        "blockchain_lot_id": lot.blockchain_lot_id,
    }
