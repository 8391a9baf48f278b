"""C-13..C-21: producer lots, the marketplace, purchase, search, public views and lot traceability."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field
from sqlalchemy import Row, select, update

from triboka_api.api.conditional import conditional_json, with_not_modified
from triboka_api.api.deps import PrincipalDep, SessionDep, require_roles
from triboka_api.api.errors import bad_request, forbidden, not_found
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.responses import json_array, json_list
from triboka_api.api.schemas.lots import (
    LotAvailable,
    LotCreated,
    LotIntegrationView,
    LotItem,
    LotPurchased,
    LotSearchItem,
    LotsForBatch,
    LotTraceability,
    LotUpdated,
)
from triboka_api.api.validation import Certifications, IsoDatetime, RequestModel, parse_body, read_json
from triboka_api.db import autocommit_until_commit
from triboka_api.domain.access import (
    LotListing,
    is_own_company,
    lot_listing,
    lot_trace_visible_to,
    of_company,
)
from triboka_api.domain.codes import commit_unique, lot_code_base, reserved_code
from triboka_api.domain.lot_list import harvest_order, like_literal, lot_list_statement, lots_by_id_statement
from triboka_api.domain.lot_trace import lot_batches, lot_timeline
from triboka_api.domain.lots import LOT_AVAILABLE, LOT_PURCHASED
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.models import Company, ExportContract, ProducerLot, utcnow
from triboka_api.queries import rows_changed
from triboka_api.serializers.common import company_name, iso, num
from triboka_api.serializers.lots import (
    contribution,
    lot_available_item,
    lot_detail_core,
    lot_for_batch_item,
    lot_integration_view,
    lot_item,
    lot_search_item,
)

router = APIRouter(tags=["lots"])

LotWriterDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.OPERATOR, Role.PRODUCER))]
LotBuyerDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.OPERATOR, Role.EXPORTER))]


class CreateLotBody(RequestModel):
    producer_company_id: int
    farm_name: str
    location: str
    product_type: str
    weight_kg: float
    quality_grade: str
    harvest_date: IsoDatetime
    certifications: Certifications = Field(default_factory=list)
    producer_name: str | None = None


class PurchaseBody(RequestModel):
    purchase_price_usd: float


class UpdateLotBody(RequestModel):
    farm_name: str | None = None
    location: str | None = None
    quality_grade: str | None = None
    certifications: Certifications | None = None


class LotFilters(RequestModel):
    """C-13's query as one model, validated in one call: FastAPI analyses each separately declared query
    parameter anew on every request (nine of them: about 180 Python calls per request, issue 16)."""

    status: str | None = None
    location: str | None = None
    quality_grade: str | None = None
    producer_id: int | None = None
    min_weight: float | None = None
    max_weight: float | None = None
    certifications: str | None = None
    limit: int | None = Field(default=None, ge=1, le=10000)
    offset: int = Field(default=0, ge=0)


@router.get("/api/lots", **documented(list[LotItem]))
async def list_lots(
    principal: PrincipalDep, session: SessionDep, query: Annotated[LotFilters, Query()]
) -> Response:
    """Role-scoped lots with AND-combined filters. `limit`/`offset` are an optional extension; without them
    the whole list is returned, as the contract says."""
    given: dict[str, str | int | float | None] = {
        "status": query.status or None,
        "location": like_literal(query.location) if query.location else None,
        "quality_grade": query.quality_grade or None,
        "producer_id": query.producer_id,
        "min_weight": query.min_weight,
        "max_weight": query.max_weight,
        "certifications": like_literal(query.certifications) if query.certifications else None,
        "offset": query.offset or None,
        "limit": query.limit,
    }
    scope = _lot_scope(principal)
    if scope is None:
        return json_list([])
    values = {name: value for name, value in given.items() if value is not None} | scope
    return json_array(await _lot_rows(session, values), lot_item)


def _lot_scope(principal: Principal) -> dict[str, Any] | None:
    """C-13's rule (`access.lot_listing`) as bound values of the prebuilt statement: a producer's company (without
    a company, `= NULL` matches nothing), nothing to bind for every lot, None for no lot."""
    listing = lot_listing(principal)
    if listing is LotListing.NONE:
        return None
    return {"company_scope": principal.company_id} if listing is LotListing.OWN_COMPANY else {}


async def _lot_rows(session: SessionDep, values: dict[str, Any]) -> Sequence[Row[Any]]:
    statement = lot_list_statement(values)
    # Core rows as tuples: no ORM result machinery, no mapping view per row (lot_item zips them with the names)
    rows: Sequence[Row[Any]] = (await (await session.connection()).execute(statement, values)).all()
    return rows


async def lot_items(session: SessionDep, lot_ids: list[int]) -> list[dict[str, Any]]:
    """C-13 items of the given lots, in the given order (S-10 `source_lots`)."""
    rows = await (await session.connection()).execute(lots_by_id_statement(lot_ids))
    by_id = {item["id"]: item for item in map(lot_item, rows)}
    return [by_id[i] for i in lot_ids if i in by_id]


# built once (the values come as parameters): composing it per request costs CPU on the hot write path
_INSERT_LOT = ProducerLot.__table__.insert().returning(ProducerLot.__table__.c.id)


@router.post(
    "/api/lots", openapi_extra=json_body(CreateLotBody), **documented(LotCreated, 400, 404, status=201)
)
async def create_lot(principal: LotWriterDep, request: Request, session: SessionDep) -> dict[str, Any]:
    body = parse_body(CreateLotBody, await read_json(request))
    if body.weight_kg <= 0:
        raise bad_request("weight_kg must be greater than 0")
    if principal.role == Role.PRODUCER and not is_own_company(principal, body.producer_company_id):
        raise forbidden("Producers may only register lots for their own company")
    # Core statements, no ORM unit of work: this is the hot write path (issue 16, goal 2)
    await autocommit_until_commit(session)  # the reservation commits first: nothing to hold the read in
    company = (
        await session.execute(select(Company.id, Company.name).where(Company.id == body.producer_company_id))
    ).first()
    if company is None:
        raise not_found("Producer company")
    company_id, name = company

    async def insert() -> int:
        code = await reserved_code(session, lot_code_base(name, company_id, datetime.now()))
        values = dict(
            lot_code=code,
            producer_company_id=company_id,
            producer_name=body.producer_name or name,
            farm_name=body.farm_name,
            location=body.location,
            product_type=body.product_type,
            weight_kg=body.weight_kg,
            quality_grade=body.quality_grade,
            harvest_date=body.harvest_date,
            certifications=",".join(body.certifications) or None,
            status=LOT_AVAILABLE,
            created_by_user_id=principal.id,
        )
        lot_id: int = (await session.execute(_INSERT_LOT, values)).scalar_one()
        return lot_id

    lot_id = await commit_unique(session, insert)
    return {"message": "Lot created", "lot_id": lot_id, "blockchain_lot_id": None}


@router.put("/api/lots/{lot_id}", openapi_extra=json_body(UpdateLotBody), **documented(LotUpdated, 400, 404))
async def update_lot(
    lot_id: int, principal: LotWriterDep, request: Request, session: SessionDep
) -> dict[str, Any]:
    """Δ §7: the edit the first generation's dashboard called; only while the lot is still available."""
    lot = await session.get(ProducerLot, lot_id)
    if lot is None:
        raise not_found("Lot")
    if principal.role == Role.PRODUCER and not is_own_company(principal, lot.producer_company_id):
        raise forbidden("Not your lot")
    if lot.status != LOT_AVAILABLE:
        raise bad_request(f"Only available lots can be edited (status: {lot.status})")
    body = parse_body(UpdateLotBody, await read_json(request))
    for field in ("farm_name", "location", "quality_grade"):
        if (value := getattr(body, field)) is not None:
            setattr(lot, field, value)
    if body.certifications is not None:
        lot.certifications = ",".join(body.certifications) or None
    lot.updated_at = utcnow()
    await session.commit()
    item = lot_detail_core(lot)
    del item["producer_name"]
    return {
        "message": "Lot updated",
        "lot": {**item, "status": lot.status, "updated_at": iso(lot.updated_at)},
    }


@router.post(
    "/api/lots/{lot_id}/purchase", openapi_extra=json_body(PurchaseBody), **documented(LotPurchased, 400, 404)
)
async def purchase_lot(
    lot_id: int, principal: LotBuyerDep, request: Request, session: SessionDep
) -> dict[str, Any]:
    lot = await session.get(ProducerLot, lot_id)
    if lot is None:
        raise not_found("Lot")
    if lot.status != LOT_AVAILABLE:
        raise bad_request(f"Lot is not available (status: {lot.status})")
    body = parse_body(PurchaseBody, await read_json(request))
    if body.purchase_price_usd <= 0:
        raise bad_request("purchase_price_usd must be greater than 0")
    if (
        principal.role == Role.EXPORTER and principal.company_id is None
    ):  # Δ 73: no purchase for "company NULL"
        raise bad_request("Purchasing a lot requires a user with a company")
    result = await rows_changed(
        session,
        update(ProducerLot)
        .where(ProducerLot.id == lot_id, ProducerLot.status == LOT_AVAILABLE)
        .values(
            status=LOT_PURCHASED,
            purchase_price_usd=body.purchase_price_usd,
            purchase_date=utcnow(),
            purchased_by_company_id=principal.company_id,
            updated_at=utcnow(),
        ),
    )
    if result != 1:
        await session.rollback()
        raise bad_request("Lot is no longer available")
    await session.commit()
    await session.refresh(
        lot, ["purchased_by_company", "producer_company", "status", "purchase_date", "purchase_price_usd"]
    )
    return {
        "message": "Lot purchased",
        "lot": {
            "id": lot.id,
            "lot_code": lot.lot_code,
            "producer_company": company_name(lot.producer_company),
            "weight_kg": num(lot.weight_kg),
            "purchase_price_usd": num(lot.purchase_price_usd),
            "purchase_date": iso(lot.purchase_date),
            "status": lot.status,
            "purchased_by": company_name(lot.purchased_by_company),
        },
    }


async def _available_lots(session: SessionDep) -> list[dict[str, Any]]:
    lots = await session.scalars(
        select(ProducerLot).where(ProducerLot.status == LOT_AVAILABLE).order_by(ProducerLot.id)
    )
    return [lot_available_item(lot) for lot in lots]


@router.get("/api/lots/available", **documented(list[LotAvailable]))
async def available_lots(_: LotBuyerDep, session: SessionDep) -> list[dict[str, Any]]:
    return await _available_lots(session)


@router.get("/api/public/lots/available", **with_not_modified(documented(list[LotAvailable])))
async def public_available_lots(request: Request, session: SessionDep) -> Response:
    return conditional_json(request, await _available_lots(session))


@router.get("/api/lots/id/{code}", **with_not_modified(documented(LotIntegrationView, 404)))
@router.get(
    "/api/agroweight/lots/id/{code}", **with_not_modified(documented(LotIntegrationView, 404))
)  # S-54: the same contract
async def lot_by_code(code: str, request: Request, session: SessionDep) -> Response:
    row = (
        await session.execute(
            select(ProducerLot, ExportContract.contract_code)
            .outerjoin(ExportContract, ExportContract.id == ProducerLot.export_contract_id)
            .where((ProducerLot.lot_code == code) | (ProducerLot.blockchain_lot_id == code))
            .order_by(ProducerLot.id)
            .limit(1)
        )
    ).first()
    if row is None:
        raise not_found("Lot")
    return conditional_json(request, lot_integration_view(row[0], row[1]))


@router.get("/api/lots/search", **documented(list[LotSearchItem], 400))
async def search_lots(
    _: PrincipalDep, session: SessionDep, q: str | None = None, code: str | None = None
) -> list[dict[str, Any]]:
    term = (q if q is not None else code or "").strip()
    if not term:
        raise bad_request("Query parameter 'q' is required")
    lots = await session.scalars(
        select(ProducerLot)
        .where(ProducerLot.lot_code.icontains(term, autoescape=True))
        .order_by(ProducerLot.id)
    )
    return [lot_search_item(lot) for lot in lots]


@router.get("/api/lots/available-for-batch", **documented(LotsForBatch))
async def lots_available_for_batch(principal: LotBuyerDep, session: SessionDep) -> dict[str, Any]:
    query = select(ProducerLot).where(ProducerLot.status == LOT_PURCHASED)
    if principal.role == Role.EXPORTER:
        query = query.where(of_company(ProducerLot.purchased_by_company_id, principal.company_id))
    lots = [lot_for_batch_item(lot) for lot in await session.scalars(harvest_order(query))]
    return {"success": True, "count": len(lots), "lots": lots}


@router.get("/api/lots/{lot_id}", **documented(LotItem, 404))
async def get_lot(lot_id: int, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """Δ 150: one item of C-13 by id, visible to whoever sees it in `GET /api/lots`; an invisible lot is
    404 like a missing one, so ids of other producers' lots are not revealed."""
    scope = _lot_scope(principal)
    rows = [] if scope is None else await _lot_rows(session, scope | {"lot_id": lot_id})
    if not rows:
        raise not_found("Lot")
    return lot_item(rows[0])


@router.get("/api/lots/{lot_id}/traceability", **documented(LotTraceability, 403, 404))
async def lot_traceability(lot_id: int, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    lot = await session.get(ProducerLot, lot_id)
    if lot is None:
        raise not_found("Lot")
    if not await lot_trace_visible_to(session, principal, lot):
        raise forbidden("No access to this lot's traceability")
    batches = await lot_batches(session, lot.id)
    contract_exporter = None
    if lot.export_contract_id is not None:
        contract = await session.get(ExportContract, lot.export_contract_id)
        contract_exporter = company_name(contract.exporter_company) if contract else None
    timeline = lot_timeline(lot, batches, contract_exporter)
    return {
        "lot": {
            **lot_detail_core(lot),
            "purchase_date": iso(lot.purchase_date),
            "purchase_price_usd": num(lot.purchase_price_usd),
            "status": lot.status,
            "created_at": iso(lot.created_at),
            "blockchain_lot_id": None,
        },
        "batches": [
            {
                "id": b.id,
                "batch_code": b.batch_code,
                "total_weight_kg": num(b.total_weight_kg),
                "status": b.status,
                "created_at": iso(b.created_at),
                "exporter_company": company_name(b.creator_company),
                "blockchain_batch_id": b.blockchain_batch_id,
                "lot_contribution_percentage": contribution(lot.weight_kg, b.total_weight_kg),
            }
            for b in batches
        ],
        "timeline": timeline,
        "blockchain": None,
        "traceability_complete": bool(timeline),
    }
