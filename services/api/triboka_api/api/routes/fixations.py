"""C-29..C-34: price fixations; both creation routes share one rule set (`domain.contracts.fix_price`)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, raiseload

from triboka_api.api.deps import PrincipalDep, SessionDep, require_roles
from triboka_api.api.errors import bad_request, forbidden, not_found
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.pagination import paginate, pagination
from triboka_api.api.routes.contracts import load_contract
from triboka_api.api.schemas.supply import (
    FixationCreated,
    FixationDeleted,
    FixationList,
    FixationSummary,
    FixationView,
    FixationWithSummary,
)
from triboka_api.api.validation import IsoDatetime, RequestModel, parse_body, parse_datetime_param, read_json
from triboka_api.db import autocommit_until_commit
from triboka_api.domain.access import fixation_deletable_by, is_contract_party, is_own_company, party_filter
from triboka_api.domain.contracts import FIXABLE_STATUSES, FixationResult, fix_price, remove_fixation
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.models import ContractFixation, ExportContract, User
from triboka_api.queries import users_by_id
from triboka_api.serializers.common import num
from triboka_api.serializers.contracts import (
    contract_base,
    contract_ref,
    contract_summary,
    fixation_base,
    user_object,
)

router = APIRouter(tags=["fixations"])

FixerDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.OPERATOR, Role.EXPORTER))]


class FixationBody(RequestModel):
    fixed_quantity_mt: float
    spot_price_usd: float
    notes: str | None = ""
    fixation_date: IsoDatetime | None = None


async def _fix(
    principal: Principal, contract_id: int, request: Request, session: SessionDep, *, accept_date: bool
) -> FixationResult:
    # without the two companies the contract eagerly joins elsewhere: the hot write path needs only its figures;
    # read outside a transaction, as on PostgreSQL the fixation is one statement of its own
    await autocommit_until_commit(session)
    contract = await load_contract(session, contract_id, options=(raiseload("*"),))
    if principal.role == Role.EXPORTER and not is_own_company(principal, contract.exporter_company_id):
        raise forbidden("Only the contract's exporter may fix prices")
    body = parse_body(FixationBody, await read_json(request))
    return await fix_price(
        session,
        contract,
        quantity_mt=body.fixed_quantity_mt,
        spot_price_usd=body.spot_price_usd,
        notes=body.notes or "",
        fixation_date=body.fixation_date if accept_date else None,
        user_id=principal.id,
    )


@router.post(
    "/api/contracts/{contract_id}/fixations",
    openapi_extra=json_body(FixationBody),
    **documented(FixationCreated, 400, 404, status=201),
)
async def create_fixation(
    contract_id: int, principal: FixerDep, request: Request, session: SessionDep
) -> dict[str, Any]:
    result = await _fix(principal, contract_id, request, session, accept_date=False)
    return {
        "message": "Fixation created",
        "fixation_id": result.fixation.id,
        "blockchain_fixation_id": None,
        "total_value_usd": num(result.fixation.total_value_usd),
        "contract_fixed_volume_mt": num(result.contract.fixed_volume_mt),
        "contract_pending_volume_mt": num(result.contract.pending_volume_mt),
    }


@router.post(
    "/api/fixations/contract/{contract_id}",
    openapi_extra=json_body(FixationBody),
    **documented(FixationWithSummary, 400, 404, status=201),
)
async def create_fixation_blueprint(
    contract_id: int, principal: FixerDep, request: Request, session: SessionDep
) -> dict[str, Any]:
    result = await _fix(principal, contract_id, request, session, accept_date=True)
    return {
        "message": "Fixation created",
        "fixation": fixation_base(result.fixation),
        "contract_summary": contract_summary(result.contract),
    }


@router.get("/api/fixations", **documented(FixationList))
async def list_fixations(
    principal: PrincipalDep,
    session: SessionDep,
    contract_id: int | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    page: str | None = None,
    per_page: str | None = None,
) -> dict[str, Any]:
    page_no, size = paginate(page, per_page)
    start, end = parse_datetime_param("start_date", start_date), parse_datetime_param("end_date", end_date)
    query = select(ContractFixation).join(
        ExportContract, ExportContract.id == ContractFixation.export_contract_id
    )
    scope = party_filter(principal)
    if scope is False:
        return {"fixations": [], "pagination": pagination(page_no, size, 0)}
    if scope is not None:
        query = query.where(scope)
    if contract_id is not None:
        query = query.where(ContractFixation.export_contract_id == contract_id)
    if start is not None:
        query = query.where(ContractFixation.fixation_date >= start)
    if end is not None:
        query = query.where(ContractFixation.fixation_date <= end)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.options(joinedload(ContractFixation.contract))
        .order_by(ContractFixation.fixation_date.desc(), ContractFixation.id.desc())
        .offset((page_no - 1) * size)
        .limit(size)
    )
    fixations = rows.unique().all()
    users = await users_by_id(session, {f.created_by_user_id for f in fixations})
    return {
        "fixations": [
            {
                **fixation_base(f),
                "contract": contract_ref(f.contract),
                "created_by": user_object(users.get(f.created_by_user_id)),
            }
            for f in fixations
        ],
        "pagination": pagination(page_no, size, total or 0),
    }


async def load_fixation(session: SessionDep, fixation_id: int) -> ContractFixation:
    fixation = await session.scalar(
        select(ContractFixation)
        .options(joinedload(ContractFixation.contract))
        .where(ContractFixation.id == fixation_id)
    )
    if fixation is None:
        raise not_found("Fixation")
    return fixation


@router.get("/api/fixations/contract/{contract_id}/summary", **documented(FixationSummary, 403, 404))
async def fixation_summary(contract_id: int, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    contract = await load_contract(session, contract_id)
    if not is_contract_party(principal, contract):
        raise forbidden("No access to this contract")
    fixations = (
        await session.scalars(
            select(ContractFixation)
            .where(ContractFixation.export_contract_id == contract.id)
            .order_by(ContractFixation.fixation_date, ContractFixation.id)
        )
    ).all()
    fixed = sum((f.fixed_quantity_mt or Decimal(0) for f in fixations), Decimal(0))
    value = sum((f.total_value_usd or Decimal(0) for f in fixations), Decimal(0))
    monthly: dict[str, dict[str, float]] = defaultdict(lambda: {"quantity": 0.0, "value": 0.0, "count": 0})
    for f in fixations:
        month = monthly[f"{f.fixation_date:%Y-%m}"]
        month["quantity"] += float(f.fixed_quantity_mt or 0)
        month["value"] += float(f.total_value_usd or 0)
        month["count"] += 1
    total = contract.total_volume_mt or Decimal(0)
    return {
        "contract_id": contract.id,
        "contract_code": contract.contract_code,
        "total_volume": float(total),
        "fixed_volume": float(fixed),
        "available_volume": float(total - fixed),
        "total_value_usd": float(value),
        "average_price_usd": round(float(value / fixed), 2) if fixed else 0,
        "fixation_count": len(fixations),
        "monthly_summary": {
            k: {"quantity": round(v["quantity"], 2), "value": round(v["value"], 2), "count": v["count"]}
            for k, v in monthly.items()
        },
        "fixations": [fixation_base(f) for f in fixations],
    }


@router.get("/api/fixations/{fixation_id}", **documented(FixationView, 403, 404))
async def get_fixation(fixation_id: int, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    fixation = await load_fixation(session, fixation_id)
    if not is_contract_party(principal, fixation.contract):
        raise forbidden("No access to this fixation")
    creator = await session.get(User, fixation.created_by_user_id) if fixation.created_by_user_id else None
    return {
        "fixation": {
            **fixation_base(fixation),
            "contract": contract_base(fixation.contract),
            "created_by": user_object(creator),
        }
    }


@router.delete("/api/fixations/{fixation_id}", **documented(FixationDeleted, 400, 404))
async def delete_fixation(fixation_id: int, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    fixation = await load_fixation(session, fixation_id)
    if not fixation_deletable_by(principal, fixation):  # † §3.2: operator too
        raise forbidden(
            "Only an admin or the fixation's creator, while a party of the contract, may delete it"
        )
    if fixation.contract.status not in FIXABLE_STATUSES:  # Δ 72: a closed contract's fixations are history
        raise bad_request(f"Cannot delete fixations of a contract with status '{fixation.contract.status}'")
    contract = await remove_fixation(session, fixation)
    return {"message": "Fixation deleted", "contract_summary": contract_summary(contract)}
