from __future__ import annotations

from typing import Any

from triboka_api.models import Dispatch
from triboka_api.serializers.batches import batch_base
from triboka_api.serializers.common import iso, num, num0
from triboka_api.serializers.contracts import contract_base, user_object


def dispatch_base(dispatch: Dispatch) -> dict[str, Any]:
    """`dispatch.to_dict` of the contract: costs read 0 when unset, documents a list."""
    return {
        "id": dispatch.id,
        "dispatch_code": dispatch.dispatch_code,
        "contract_id": dispatch.contract_id,
        "batch_id": dispatch.batch_id,
        "quantity_mt": num(dispatch.quantity_mt),
        "destination_country": dispatch.destination_country,
        "destination_port": dispatch.destination_port,
        "destination_company": dispatch.destination_company,
        "shipping_date": iso(dispatch.shipping_date),
        "estimated_delivery_date": iso(dispatch.estimated_delivery_date),
        "actual_delivery_date": iso(dispatch.actual_delivery_date),
        "carrier_name": dispatch.carrier_name,
        "vessel_name": dispatch.vessel_name,
        "tracking_number": dispatch.tracking_number,
        "bill_of_lading": dispatch.bill_of_lading,
        "status": dispatch.status,
        "freight_cost_usd": num0(dispatch.freight_cost_usd),
        "insurance_cost_usd": num0(dispatch.insurance_cost_usd),
        "other_costs_usd": num0(dispatch.other_costs_usd),
        "created_by_id": dispatch.created_by_id,
        "documents": dispatch.documents or [],
        "notes": dispatch.notes,
        "created_at": iso(dispatch.created_at),
        "updated_at": iso(dispatch.updated_at),
    }


def dispatch_full(dispatch: Dispatch) -> dict[str, Any]:
    """C-35 / C-37: the base object with its contract, batch and creator."""
    return {
        **dispatch_base(dispatch),
        "contract": contract_base(dispatch.contract),
        "batch": batch_base(dispatch.batch),
        "created_by": user_object(dispatch.created_by),
    }
