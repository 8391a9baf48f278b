from __future__ import annotations

from typing import Any

from triboka_api.models import ContractFixation, ExportContract, User
from triboka_api.serializers.common import company_name, iso, num


def contract_terms(contract: ExportContract) -> dict[str, Any]:
    """The fields every contract view shares."""
    return {
        "id": contract.id,
        "contract_code": contract.contract_code,
        "product_type": contract.product_type,
        "product_grade": contract.product_grade,
        "total_volume_mt": num(contract.total_volume_mt),
        "fixed_volume_mt": num(contract.fixed_volume_mt),
        "differential_usd": num(contract.differential_usd),
        "start_date": iso(contract.start_date),
        "end_date": iso(contract.end_date),
        "delivery_date": iso(contract.delivery_date),
        "status": contract.status,
        "blockchain_contract_id": contract.blockchain_contract_id,
        "created_at": iso(contract.created_at),
    }


def contract_base(contract: ExportContract) -> dict[str, Any]:
    """`contract.to_dict` of the contract (C-26, C-28 and nested views)."""
    return contract_terms(contract) | {
        "buyer_company_id": contract.buyer_company_id,
        "exporter_company_id": contract.exporter_company_id,
        "created_by_user_id": contract.created_by_user_id,
        "updated_at": iso(contract.updated_at),
    }


def contract_list_item(contract: ExportContract) -> dict[str, Any]:
    """C-25 item: company names and the pending volume."""
    return contract_terms(contract) | {
        "buyer_company": company_name(contract.buyer_company),
        "exporter_company": company_name(contract.exporter_company),
        "pending_volume_mt": num(contract.pending_volume_mt),
    }


def contract_ref(contract: ExportContract) -> dict[str, Any]:
    return {
        "id": contract.id,
        "contract_code": contract.contract_code,
        "buyer_company": company_name(contract.buyer_company),
        "exporter_company": company_name(contract.exporter_company),
    }


def fixation_base(fixation: ContractFixation) -> dict[str, Any]:
    """`fixation.to_dict` of the contract."""
    return {
        "id": fixation.id,
        "export_contract_id": fixation.export_contract_id,
        "fixed_quantity_mt": num(fixation.fixed_quantity_mt),
        "spot_price_usd": num(fixation.spot_price_usd),
        "total_value_usd": num(fixation.total_value_usd),
        "fixation_date": iso(fixation.fixation_date),
        "notes": fixation.notes,
        "blockchain_fixation_id": fixation.blockchain_fixation_id,
        "created_by_user_id": fixation.created_by_user_id,
        "created_at": iso(fixation.created_at),
    }


def user_object(user: User | None) -> dict[str, Any] | None:
    """`user.to_dict` (embedded as `created_by` in fixation and dispatch views)."""
    if user is None:
        return None
    return {
        "id": user.id,
        "keycloak_id": user.keycloak_id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "name": user.name,
        "role": user.role,
        "company_id": user.company_id,
        "active": user.active,
        "profile": None,
    }


def contract_summary(contract: ExportContract) -> dict[str, Any]:
    return {
        "total_volume": num(contract.total_volume_mt),
        "fixed_volume": num(contract.fixed_volume_mt),
        "available_volume": num(contract.pending_volume_mt),
    }
