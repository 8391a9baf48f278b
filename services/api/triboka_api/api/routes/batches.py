"""C-22..C-24: export batches built from purchased lots."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from sqlalchemy import Select, exists, or_, select, update

from triboka_api.api.deps import PrincipalDep, SessionDep, require_roles
from triboka_api.api.errors import bad_request, forbidden, not_found
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.schemas.supply import BatchCreated, BatchDetail, BatchListItem
from triboka_api.api.validation import RequestModel, read_json, require_fields
from triboka_api.domain.access import batch_visible_to, is_own_company, of_company
from triboka_api.domain.codes import batch_code_base, commit_unique, free_code
from triboka_api.domain.lots import LOT_BATCHED, LOT_PURCHASED
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.models import BatchLot, BatchNft, Company, ProducerLot, utcnow
from triboka_api.queries import lots_by_id, rows_changed
from triboka_api.serializers.batches import batch_base, batch_detail, batch_list_item

router = APIRouter(tags=["batches"])

BatcherDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.OPERATOR, Role.EXPORTER))]


class CreateBatchBody(RequestModel):
    """The body `create_batch` checks by hand (required fields first, then the ids, as the contract orders)."""

    source_lot_ids: list[int] = Field(min_length=1)
    batch_type: str
    location: str


def _lot_ids(value: Any) -> list[int]:
    if not isinstance(value, list) or not value:
        raise bad_request("source_lot_ids must be a non-empty list")
    try:
        return [int(v) for v in value]
    except (TypeError, ValueError) as exc:
        raise bad_request("source_lot_ids must contain lot ids") from exc


@router.post("/api/batches", openapi_extra=json_body(CreateBatchBody), **documented(BatchCreated, 400, 404))
async def create_batch(principal: BatcherDep, request: Request, session: SessionDep) -> dict[str, Any]:
    data = await read_json(request)
    require_fields(data, ["source_lot_ids", "batch_type", "location"])
    lot_ids = _lot_ids(data["source_lot_ids"])
    batch_type, location = str(data["batch_type"]), str(data["location"])
    lots = await lots_by_id(session, lot_ids)
    if len(lots) != len(lot_ids):
        raise not_found("One or more lots")
    ordered = [lots[i] for i in lot_ids]
    if principal.role == Role.EXPORTER:
        for lot in ordered:
            if not is_own_company(principal, lot.purchased_by_company_id):
                raise forbidden(f"Lot {lot.lot_code} was not purchased by your company")
    for lot in ordered:
        if lot.status != LOT_PURCHASED:
            raise bad_request(f"Lot {lot.lot_code} is not purchased (status: {lot.status})")
    if principal.company_id is None:
        raise bad_request("Creating a batch requires a user with a company")
    company = await session.get(Company, principal.company_id)
    company_id, company_name = principal.company_id, company.name if company else None
    weights = [(lot.id, lot.weight_kg or 0) for lot in ordered]

    async def insert() -> BatchNft:
        code = await free_code(session, batch_code_base(company_name, len(weights), datetime.now()))
        batch = BatchNft(
            batch_code=code,
            total_weight_kg=sum(w for _, w in weights),
            batch_type=batch_type,
            location=location,
            creator_company_id=company_id,
            current_owner_company_id=company_id,
            status="created",
            members=[
                BatchLot(position=i, lot_id=lot_id, weight_kg=w) for i, (lot_id, w) in enumerate(weights)
            ],
        )
        session.add(batch)
        await session.flush()
        moved = await rows_changed(
            session,
            update(ProducerLot)
            .where(ProducerLot.id.in_(lot_ids), ProducerLot.status == LOT_PURCHASED)
            .values(status=LOT_BATCHED, batch_id=batch.id, updated_at=utcnow()),
        )
        if moved != len(set(lot_ids)):
            await session.rollback()
            raise bad_request("A lot changed status meanwhile, please retry")
        return batch

    batch = await commit_unique(session, insert)
    await session.refresh(batch, ["members", "creator_company", "current_owner_company"])
    return {"message": "Batch created", "batch": batch_base(batch)}


def _scope(principal: Principal, query: Select[BatchNft]) -> Select[BatchNft] | None:
    company = principal.company_id
    if principal.is_admin:
        return query
    if principal.role == Role.EXPORTER:
        return query.where(
            or_(
                of_company(BatchNft.creator_company_id, company),
                of_company(BatchNft.current_owner_company_id, company),
            )
        )
    if principal.role == Role.BUYER:
        return query.where(of_company(BatchNft.current_owner_company_id, company))
    if principal.role == Role.PRODUCER:
        return query.where(
            exists()
            .where(BatchLot.batch_id == BatchNft.id)
            .where(BatchLot.lot_id == ProducerLot.id)
            .where(of_company(ProducerLot.producer_company_id, company))
        )
    return None


@router.get("/api/batches", **documented(list[BatchListItem]))
async def list_batches(principal: PrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    query = _scope(principal, select(BatchNft).order_by(BatchNft.id))
    if query is None:
        return []
    batches = (await session.scalars(query)).unique().all()
    lots = await lots_by_id(session, (i for b in batches for i in b.source_lot_ids))
    return [batch_list_item(b, lots) for b in batches]


@router.get("/api/batches/{batch_id}", **documented(BatchDetail, 403, 404))
async def get_batch(batch_id: int, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    batch = await session.get(BatchNft, batch_id)
    if batch is None:
        raise not_found("Batch")
    if not await batch_visible_to(session, principal, batch):
        raise forbidden("No access to this batch")
    return batch_detail(batch, await lots_by_id(session, batch.source_lot_ids))
