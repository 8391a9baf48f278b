"""C-35..C-40: dispatches of batches against contracts."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from triboka_api.api.deps import PrincipalDep, SessionDep
from triboka_api.api.errors import bad_request, forbidden, not_found
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.pagination import paginate, pagination
from triboka_api.api.schemas.common import Message
from triboka_api.api.schemas.supply import DispatchChanged, DispatchList, DispatchStats, DispatchView
from triboka_api.api.validation import IsoDate, RequestModel, parse_body, read_json
from triboka_api.domain.access import batch_dispatchable_by, is_contract_party, is_own_company, party_filter
from triboka_api.domain.codes import commit_unique, next_dispatch_code
from triboka_api.domain.dispatches import available_mt, transition_error
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.models import BatchNft, Dispatch, ExportContract, utcnow
from triboka_api.serializers.dispatches import dispatch_base, dispatch_full

router = APIRouter(tags=["dispatches"])

DISPATCH_CREATORS = frozenset({Role.ADMIN, Role.OPERATOR, Role.EXPORTER})


class CreateDispatchBody(RequestModel):
    contract_id: int
    batch_id: int
    quantity_mt: float
    destination_country: str
    shipping_date: IsoDate
    destination_port: str | None = None
    destination_company: str | None = None
    carrier_name: str | None = None
    vessel_name: str | None = None
    tracking_number: str | None = None
    bill_of_lading: str | None = None
    notes: str | None = None
    estimated_delivery_date: IsoDate | None = None
    freight_cost_usd: float | None = None
    insurance_cost_usd: float | None = None
    other_costs_usd: float | None = None


class UpdateDispatchBody(RequestModel):
    destination_port: str | None = None
    destination_company: str | None = None
    estimated_delivery_date: IsoDate | None = None
    carrier_name: str | None = None
    vessel_name: str | None = None
    tracking_number: str | None = None
    bill_of_lading: str | None = None
    freight_cost_usd: float | None = None
    insurance_cost_usd: float | None = None
    other_costs_usd: float | None = None
    documents: list[Any] | None = None
    notes: str | None = None
    status: str | None = None


def _scoped(principal: Principal) -> Select[Dispatch] | None:
    query = select(Dispatch).join(ExportContract, ExportContract.id == Dispatch.contract_id)
    scope = party_filter(principal)
    if scope is False:
        return None
    return query if scope is None else query.where(scope)


@router.get("/api/dispatches", **documented(DispatchList))
async def list_dispatches(
    principal: PrincipalDep,
    session: SessionDep,
    status: str | None = None,
    contract_id: int | None = None,
    batch_id: int | None = None,
    destination_country: str | None = None,
    shipping_from: date | None = None,
    shipping_to: date | None = None,
    page: str | None = None,
    per_page: str | None = None,
) -> dict[str, Any]:
    page_no, size = paginate(page, per_page)
    query = _scoped(principal)
    if query is None:
        return {
            "dispatches": [],
            "pagination": {**pagination(page_no, size, 0), "has_next": False, "has_prev": page_no > 1},
        }
    if status:
        query = query.where(Dispatch.status == status)
    if contract_id is not None:
        query = query.where(Dispatch.contract_id == contract_id)
    if batch_id is not None:
        query = query.where(Dispatch.batch_id == batch_id)
    if destination_country:
        query = query.where(Dispatch.destination_country.icontains(destination_country, autoescape=True))
    if shipping_from is not None:
        query = query.where(Dispatch.shipping_date >= shipping_from)
    if shipping_to is not None:
        query = query.where(Dispatch.shipping_date <= shipping_to)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(
        query.options(selectinload(Dispatch.batch).selectinload(BatchNft.members))
        .order_by(Dispatch.created_at.desc(), Dispatch.id.desc())
        .offset((page_no - 1) * size)
        .limit(size)
    )
    meta = pagination(page_no, size, total)
    return {
        "dispatches": [dispatch_full(d) for d in rows.unique()],
        "pagination": {**meta, "has_next": page_no < meta["pages"], "has_prev": page_no > 1},
    }


@router.post(
    "/api/dispatches",
    openapi_extra=json_body(CreateDispatchBody),
    **documented(DispatchChanged, 400, 404, status=201),
)
async def create_dispatch(principal: PrincipalDep, request: Request, session: SessionDep) -> dict[str, Any]:
    if principal.role not in DISPATCH_CREATORS:
        raise forbidden("Your role may not create dispatches")
    body = parse_body(CreateDispatchBody, await read_json(request))
    if body.quantity_mt <= 0:
        raise bad_request("quantity_mt must be greater than 0")
    contract = await session.get(ExportContract, body.contract_id)
    if contract is None:
        raise not_found("Contract")
    if principal.role == Role.EXPORTER and not is_own_company(principal, contract.exporter_company_id):
        raise forbidden("Only the contract's exporter may dispatch against it")
    batch = await session.get(BatchNft, body.batch_id)
    if batch is None:
        raise not_found("Batch")
    if not batch_dispatchable_by(principal, batch):
        raise forbidden("Only the batch's creator or owner company may dispatch it")
    available = await available_mt(session, batch)
    if body.quantity_mt > available:
        raise bad_request(f"Quantity exceeds what the batch has left ({float(available):.3f} MT available)")
    fields = body.model_dump(exclude={"contract_id", "batch_id"})

    async def insert() -> Dispatch:
        code = await next_dispatch_code(session, utcnow().year)
        dispatch = Dispatch(
            **fields,
            dispatch_code=code,
            contract_id=contract.id,
            batch_id=batch.id,
            status="planned",
            created_by_id=principal.id,
            documents=[],
        )
        session.add(dispatch)
        await session.flush()
        return dispatch

    dispatch = await commit_unique(session, insert)
    return {"message": "Dispatch created", "dispatch": dispatch_base(dispatch)}


async def _load(
    session: SessionDep, principal: Principal, dispatch_id: int, *, planned_only: bool = False
) -> Dispatch:
    dispatch = await session.get(Dispatch, dispatch_id)
    if dispatch is None:
        raise not_found("Dispatch")
    if planned_only and dispatch.status != "planned":
        raise bad_request(f"Only planned dispatches can be deleted (status: {dispatch.status})")
    if not is_contract_party(principal, dispatch.contract):
        raise forbidden("No access to this dispatch")
    return dispatch


@router.get("/api/dispatches/stats", **documented(DispatchStats))
async def dispatch_stats(principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    query = _scoped(principal)
    if query is None:
        return {"total_dispatches": 0, "status_distribution": {}, "monthly_stats": [], "top_destinations": []}
    scoped = query.with_only_columns(
        Dispatch.id, Dispatch.status, Dispatch.created_at, Dispatch.quantity_mt, Dispatch.destination_country
    ).subquery()
    total = await session.scalar(select(func.count()).select_from(scoped)) or 0
    statuses = await session.execute(select(scoped.c.status, func.count()).group_by(scoped.c.status))
    rows = (await session.execute(select(scoped.c.created_at, scoped.c.quantity_mt))).all()
    monthly: dict[tuple[int, int], list[float]] = {}
    for created, quantity in rows:
        bucket = monthly.setdefault((created.year, created.month), [0, 0.0])
        bucket[0] += 1
        bucket[1] += float(quantity or 0)
    destinations = await session.execute(
        select(scoped.c.destination_country, func.count(), func.coalesce(func.sum(scoped.c.quantity_mt), 0))
        .group_by(scoped.c.destination_country)
        .order_by(func.coalesce(func.sum(scoped.c.quantity_mt), 0).desc())
        .limit(10)
    )
    return {
        "total_dispatches": total,
        "status_distribution": {status: count for status, count in statuses},
        "monthly_stats": [
            {"year": y, "month": m, "count": c, "total_quantity_mt": round(q, 3)}
            for (y, m), (c, q) in sorted(monthly.items(), reverse=True)[:12]
        ],
        "top_destinations": [
            {"country": country, "count": count, "total_quantity_mt": float(quantity)}
            for country, count, quantity in destinations
        ],
    }


@router.get("/api/dispatches/{dispatch_id}", **documented(DispatchView, 403, 404))
async def get_dispatch(dispatch_id: int, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    return {"dispatch": dispatch_full(await _load(session, principal, dispatch_id))}


@router.put(
    "/api/dispatches/{dispatch_id}",
    openapi_extra=json_body(UpdateDispatchBody),
    **documented(DispatchChanged, 400, 404),
)
async def update_dispatch(
    dispatch_id: int, principal: PrincipalDep, request: Request, session: SessionDep
) -> dict[str, Any]:
    dispatch = await _load(session, principal, dispatch_id)
    data = await read_json(request)
    body = parse_body(UpdateDispatchBody, data)
    if body.status is not None:
        if (error := transition_error(dispatch.status, body.status)) is not None:
            raise bad_request(error)
        dispatch.status = body.status
        if body.status == "delivered" and dispatch.actual_delivery_date is None:
            dispatch.actual_delivery_date = utcnow().date()
    for field in body.model_fields_set - {"status"}:
        setattr(dispatch, field, getattr(body, field))
    dispatch.updated_at = utcnow()
    await session.commit()
    await session.refresh(dispatch)
    return {"message": "Dispatch updated", "dispatch": dispatch_base(dispatch)}


@router.delete("/api/dispatches/{dispatch_id}", **documented(Message, 400, 403, 404))
async def delete_dispatch(dispatch_id: int, principal: PrincipalDep, session: SessionDep) -> dict[str, str]:
    dispatch = await _load(session, principal, dispatch_id, planned_only=True)
    await session.delete(dispatch)
    await session.commit()
    return {"message": "Dispatch deleted"}
