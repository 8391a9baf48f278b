"""S-58, S-59: offline sync for the mobile app, at both spellings (`/api/sync/sync/*`, ORIG, and `/api/sync/*`,
which the app calls), with the platform JWT (§5.10 Δ). The rules are in `domain/sync.py`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from triboka_api.api.deps import PrincipalDep, SessionDep
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.schemas.sync import DeltaResponse, PushResponse, PushResult
from triboka_api.api.validation import RequestModel, parse_body, read_json
from triboka_api.domain import sync
from triboka_api.domain.lots import quality_score
from triboka_api.models import ExportContract, ProducerLot
from triboka_api.serializers.common import iso
from triboka_api.serializers.contracts import contract_list_item
from triboka_api.serializers.lots import lot_detail_core

router = APIRouter(tags=["sync"])


class PushChange(BaseModel):
    entity: str = Field(description="lot")
    id: int
    base_updated_at: int = Field(description="epoch ms of the version the client edited")
    fields: dict[str, Any] = Field(description="farm_name, location, quality_grade, certifications")


class PushBody(RequestModel):
    changes: list[Any] = Field(
        default_factory=list,
        description="PushChange items (none: a no-op push)",
        json_schema_extra={"items": PushChange.model_json_schema()},
    )


def _lot(lot: ProducerLot) -> dict[str, Any]:
    return {
        **lot_detail_core(lot),
        "quality_score": quality_score(lot.quality_grade),
        "status": lot.status,
        "updated_at": iso(lot.updated_at),
        "updated_at_ms": sync.to_ms(lot.updated_at),
    }


def _contract(contract: ExportContract) -> dict[str, Any]:
    return {**contract_list_item(contract), "updated_at_ms": sync.to_ms(contract.updated_at)}


@router.get("/api/sync/sync/delta", **documented(DeltaResponse, 400))
@router.get("/api/sync/delta", **documented(DeltaResponse, 400))
async def sync_delta(
    principal: PrincipalDep, session: SessionDep, last_sync: str | None = None
) -> DeltaResponse:
    """S-58: lots and contracts the caller may list that changed after `last_sync` (epoch ms; none: everything)."""
    since = sync.parse_ms("last_sync", last_sync) if last_sync not in (None, "") else 0
    found = await sync.delta(session, principal, since)
    return DeltaResponse(
        server_timestamp=found.server_timestamp,
        categories=[],
        products=[],
        lots=[_lot(lot) for lot in found.lots],
        contracts=[_contract(contract) for contract in found.contracts],
        has_more=found.has_more,
    )


@router.post(
    "/api/sync/sync/push",
    openapi_extra=json_body(PushBody),
    **documented(PushResponse, 400),
)
@router.post(
    "/api/sync/push",
    openapi_extra=json_body(PushBody),
    **documented(PushResponse, 400),
)
async def sync_push(principal: PrincipalDep, request: Request, session: SessionDep) -> PushResponse:
    """S-59: apply the client's lot edits; one result per change (applied, conflict or rejected)."""
    body = parse_body(PushBody, await read_json(request))
    results = await sync.push(session, principal, body.changes)
    return PushResponse(
        status="success",
        synced_at=sync.now_ms(),
        results=[
            PushResult(
                entity=result.entity,
                id=result.id,
                status=result.status,
                error=result.error,
                updated_at_ms=sync.to_ms(result.lot.updated_at)
                if result.status is sync.Outcome.APPLIED and result.lot
                else None,
                server=_lot(result.lot) if result.status is sync.Outcome.CONFLICT and result.lot else None,
            )
            for result in results
        ],
    )
