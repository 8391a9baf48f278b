"""C-25..C-28: export contracts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field
from sqlalchemy import exists, select
from sqlalchemy.orm.interfaces import ORMOption

from triboka_api.api.deps import PrincipalDep, SessionDep
from triboka_api.api.errors import bad_request, forbidden, not_found
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.schemas.supply import ContractChanged, ContractCreated, ContractDetail, ContractListItem
from triboka_api.api.validation import IsoDatetime, RequestModel, parse_body, read_json, require_fields
from triboka_api.domain.access import (
    contract_visible_to,
    contracts_listed_to,
    is_contract_party,
    is_own_company,
    producer_linked_to_contract,
)
from triboka_api.domain.contracts import check_transition
from triboka_api.domain.roles import Role
from triboka_api.models import Company, ContractFixation, ExportContract, ProducerLot, utcnow
from triboka_api.serializers.common import company_name, iso, num
from triboka_api.serializers.contracts import contract_base, contract_list_item, contract_terms, fixation_base

router = APIRouter(tags=["contracts"])

CONTRACT_CREATORS = frozenset({Role.ADMIN, Role.OPERATOR, Role.EXPORTER, Role.BUYER})


class CreateContractBody(RequestModel):
    contract_code: str = Field(max_length=100)
    buyer_company_id: int
    exporter_company_id: int
    product_type: str
    product_grade: str
    total_volume_mt: float
    differential_usd: float
    start_date: IsoDatetime
    end_date: IsoDatetime
    delivery_date: IsoDatetime | None = None


@router.get("/api/contracts", **documented(list[ContractListItem]))
async def list_contracts(
    principal: PrincipalDep,
    session: SessionDep,
    status: str | None = None,
    product_type: str | None = None,
    buyer_id: int | None = None,
    exporter_id: int | None = None,
) -> list[dict[str, Any]]:
    query = select(ExportContract).where(contracts_listed_to(principal)).order_by(ExportContract.id)
    if status:
        query = query.where(ExportContract.status == status)
    if product_type:
        query = query.where(ExportContract.product_type == product_type)
    if buyer_id is not None:
        query = query.where(ExportContract.buyer_company_id == buyer_id)
    if exporter_id is not None:
        query = query.where(ExportContract.exporter_company_id == exporter_id)
    return [contract_list_item(c) for c in (await session.scalars(query)).unique()]


@router.post(
    "/api/contracts",
    openapi_extra=json_body(CreateContractBody),
    **documented(ContractCreated, 400, status=201),
)
async def create_contract(principal: PrincipalDep, request: Request, session: SessionDep) -> dict[str, Any]:
    if principal.role not in CONTRACT_CREATORS:
        raise forbidden("Your role may not create contracts")
    data = await read_json(request)
    body = parse_body(CreateContractBody, data)
    if body.total_volume_mt <= 0:
        raise bad_request("total_volume_mt must be greater than 0")
    if await session.get(Company, body.buyer_company_id) is None:
        raise bad_request("Buyer company not found")
    if await session.get(Company, body.exporter_company_id) is None:
        raise bad_request("Exporter company not found")
    if principal.role == Role.EXPORTER and not is_own_company(principal, body.exporter_company_id):
        raise forbidden("Exporters may only create contracts as the exporter side")
    if principal.role == Role.BUYER and not is_own_company(principal, body.buyer_company_id):
        raise forbidden("Buyers may only create contracts as the buyer side")
    if body.end_date <= body.start_date:
        raise bad_request("end_date must be after start_date")
    if await session.scalar(select(exists().where(ExportContract.contract_code == body.contract_code))):
        raise bad_request("Contract code already exists")
    contract = ExportContract(
        contract_code=body.contract_code,
        buyer_company_id=body.buyer_company_id,
        exporter_company_id=body.exporter_company_id,
        product_type=body.product_type,
        product_grade=body.product_grade,
        total_volume_mt=body.total_volume_mt,
        fixed_volume_mt=0,
        differential_usd=body.differential_usd,
        start_date=body.start_date,
        end_date=body.end_date,
        delivery_date=body.delivery_date,
        status="draft",
        created_by_user_id=principal.id,
    )
    session.add(contract)
    await session.commit()
    await session.refresh(contract)
    return {
        "message": "Contract created",
        "contract": contract_base(contract),
        "contract_id": contract.id,
        "blockchain_contract_id": None,
    }


async def load_contract(
    session: SessionDep, contract_id: int, options: Sequence[ORMOption] = ()
) -> ExportContract:
    contract = await session.get(ExportContract, contract_id, options=options)
    if contract is None:
        raise not_found("Contract")
    return contract


@router.get("/api/contracts/{contract_id}", **documented(ContractDetail, 403, 404))
async def get_contract(contract_id: int, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    contract = await load_contract(session, contract_id)
    linked = principal.role == Role.PRODUCER and await producer_linked_to_contract(
        session, principal.company_id, contract.id
    )
    if not contract_visible_to(principal, contract, linked):
        raise forbidden("No access to this contract")
    fixations = await session.scalars(
        select(ContractFixation)
        .where(ContractFixation.export_contract_id == contract.id)
        .order_by(ContractFixation.id)
    )
    lots = await session.scalars(
        select(ProducerLot).where(ProducerLot.export_contract_id == contract.id).order_by(ProducerLot.id)
    )

    def party(company: Company | None) -> dict[str, Any] | None:
        return (
            None
            if company is None
            else {"id": company.id, "name": company.name, "blockchain_address": company.blockchain_address}
        )

    return contract_terms(contract) | {
        "buyer_company": party(contract.buyer_company),
        "exporter_company": party(contract.exporter_company),
        "pending_volume_mt": num(contract.pending_volume_mt),
        "fixations": [
            {
                k: v
                for k, v in fixation_base(f).items()
                if k
                in {
                    "id",
                    "fixed_quantity_mt",
                    "spot_price_usd",
                    "total_value_usd",
                    "fixation_date",
                    "notes",
                    "blockchain_fixation_id",
                }
            }
            for f in fixations
        ],
        "lots": [
            {
                "id": lot.id,
                "producer_company": company_name(lot.producer_company),
                "farm_name": lot.farm_name,
                "location": lot.location,
                "weight_kg": num(lot.weight_kg),
                "quality_grade": lot.quality_grade,
                "harvest_date": iso(lot.harvest_date),
                "status": lot.status,
                "blockchain_lot_id": lot.blockchain_lot_id,
            }
            for lot in lots.unique()
        ],
    }


class StatusBody(RequestModel):
    """The body `change_contract_status` checks by hand, after the party check."""

    status: str


@router.put(
    "/api/contracts/{contract_id}/status",
    openapi_extra=json_body(StatusBody),
    **documented(ContractChanged, 400, 404),
)
async def change_contract_status(
    contract_id: int, principal: PrincipalDep, request: Request, session: SessionDep
) -> dict[str, Any]:
    contract = await load_contract(session, contract_id)
    if not is_contract_party(principal, contract):
        raise forbidden("Only the contract's parties may change its status")
    data = await read_json(request)
    require_fields(data, ["status"])
    check_transition(contract, str(data["status"]))
    contract.status = str(data["status"])
    contract.updated_at = utcnow()
    await session.commit()
    await session.refresh(contract)
    return {"message": "Contract status updated", "contract": contract_base(contract)}
