"""S-03..S-06: contract update and delete while draft, purchase contracts from lots, fixation notes."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from triboka_api.api.deps import PrincipalDep, SessionDep, require_roles
from triboka_api.api.errors import bad_request, forbidden
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.routes.contracts import load_contract
from triboka_api.api.routes.fixations import load_fixation
from triboka_api.api.schemas.common import Message
from triboka_api.api.schemas.extras import FixationChanged, PurchaseContractsCreated
from triboka_api.api.schemas.supply import ContractChanged
from triboka_api.api.validation import IsoDatetime, RequestModel, parse_body, read_json
from triboka_api.domain.access import fixation_deletable_by
from triboka_api.domain.contract_drafts import DraftChanges, apply_changes, check_draft_access, delete_draft
from triboka_api.domain.principal import Principal
from triboka_api.domain.purchase_contracts import PurchaseRequest, purchase_from_lots
from triboka_api.domain.roles import Role
from triboka_api.models import Company, utcnow
from triboka_api.serializers.contracts import contract_base, fixation_base

router = APIRouter(tags=["contracts"])

PurchaserDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.OPERATOR, Role.EXPORTER))]
DEFAULT_DIFFERENTIAL_USD = -1500.0
DEFAULT_DELIVERY = timedelta(days=90)


class UpdateContractBody(RequestModel):
    product_type: str | None = None
    product_grade: str | None = None
    total_volume_mt: float | None = None
    differential_usd: float | None = None
    start_date: IsoDatetime | None = None
    end_date: IsoDatetime | None = None
    delivery_date: IsoDatetime | None = None


class FromLotsBody(RequestModel):
    lot_ids: list[int] = Field(min_length=1)
    differential_usd: float = DEFAULT_DIFFERENTIAL_USD
    delivery_date: IsoDatetime | None = None
    notes: str | None = None


class FixationNotesBody(RequestModel):
    notes: str | None = None


@router.post(
    "/api/contracts/from-lots",
    openapi_extra=json_body(FromLotsBody),
    **documented(PurchaseContractsCreated, 400, 404, 409, status=201),
)
async def contracts_from_lots(
    principal: PurchaserDep, request: Request, session: SessionDep
) -> dict[str, Any]:
    data = await read_json(request)
    if not isinstance(data.get("lot_ids"), list) or not data["lot_ids"]:
        raise bad_request("lot_ids must be a non-empty list")
    body = parse_body(FromLotsBody, data)
    buyer = await session.get(Company, principal.company_id) if principal.company_id is not None else None
    if buyer is None:
        raise bad_request("Purchasing lots requires a user with a company")
    made = await purchase_from_lots(
        session,
        buyer,
        PurchaseRequest(
            lot_ids=body.lot_ids,
            differential_usd=body.differential_usd,
            delivery_date=body.delivery_date or utcnow() + DEFAULT_DELIVERY,
            notes=body.notes,
        ),
        principal.id,
    )
    return {
        "message": f"{len(made)} purchase contract(s) created",
        "contracts": [
            {
                "contract_id": c.contract_id,
                "contract_code": c.contract_code,
                "producer": c.producer,
                "volume_mt": c.volume_mt,
                "lot_count": c.lot_count,
            }
            for c in made
        ],
    }


@router.put(
    "/api/contracts/{contract_id}",
    openapi_extra=json_body(UpdateContractBody),
    **documented(ContractChanged, 400, 403, 404),
)
async def update_contract(
    contract_id: int, principal: PrincipalDep, request: Request, session: SessionDep
) -> dict[str, Any]:
    contract = await load_contract(session, contract_id)
    check_draft_access(principal, contract, "update")
    body = parse_body(UpdateContractBody, await read_json(request))
    apply_changes(contract, DraftChanges(**body.model_dump()))
    await session.commit()
    await session.refresh(contract)
    return {"message": "Contract updated", "contract": contract_base(contract)}


@router.delete("/api/contracts/{contract_id}", **documented(Message, 400, 403, 404, 409))
async def delete_contract(contract_id: int, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    contract = await load_contract(session, contract_id)
    check_draft_access(principal, contract, "delete")
    await delete_draft(session, contract)
    return {"message": "Contract deleted"}


@router.put(
    "/api/fixations/{fixation_id}",
    openapi_extra=json_body(FixationNotesBody),
    **documented(FixationChanged, 400, 403, 404),
)
async def update_fixation_notes(
    fixation_id: int, principal: PrincipalDep, request: Request, session: SessionDep
) -> dict[str, Any]:
    fixation = await load_fixation(session, fixation_id)
    if not fixation_deletable_by(principal, fixation):  # S-06 has C-33's rule: admin or the creator (Δ 72)
        raise forbidden("Only an admin or the fixation's creator may change its notes")
    body = parse_body(FixationNotesBody, await read_json(request))
    fixation.notes = body.notes
    await session.commit()
    await session.refresh(fixation)
    return {"message": "Fixation updated", "fixation": fixation_base(fixation)}
