"""S-60..S-67: ERP connections (persisted, credentials encrypted: Δ 190, 191) and pushes to them (Δ 192, 193)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from triboka_api.api.deps import SessionDep, key_ring, require_roles
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.schemas.erp import (
    BulkSummary,
    ErpBulkResponse,
    ErpConnectionCreated,
    ErpConnectionsResponse,
    ErpConnectionTest,
    ErpConnectionView,
    ErpPushResponse,
    ErpSystemsResponse,
)
from triboka_api.api.validation import RequestModel, parse_body, read_json
from triboka_api.domain import erp
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.erp_client import ErpClient
from triboka_api.models import utcnow
from triboka_api.serializers.common import iso

router = APIRouter(tags=["erp"])

ErpAdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.OPERATOR))]


def _client(request: Request) -> ErpClient:
    client: ErpClient = request.app.state.erp_client
    return client


class ConnectionBody(RequestModel):
    system_type: str
    name: str
    base_url: str
    api_key: str | None = None
    username: str | None = None
    password: str | None = None


class PushBody(RequestModel):
    connection_id: str


class BulkBody(RequestModel):
    connection_id: str
    entity_type: erp.EntityKind
    entity_ids: list[int] = Field(default_factory=list)


@router.get("/api/erp/systems", **documented(ErpSystemsResponse))
async def erp_systems(_: ErpAdminDep) -> ErpSystemsResponse:
    """S-60: the supported ERPs, their API versions and endpoints."""
    return ErpSystemsResponse.model_validate(erp.systems_catalogue())


@router.get("/api/erp/connections", **documented(ErpConnectionsResponse))
async def erp_connections(_: ErpAdminDep, session: SessionDep) -> ErpConnectionsResponse:
    """S-61: the stored connections (Δ 190), never their credentials."""
    return ErpConnectionsResponse(
        connections=[
            ErpConnectionView(
                id=row.connection_id,
                system_type=row.system_type,
                name=row.name,
                base_url=row.base_url,
                status=row.status,
                last_sync=iso(row.last_sync),
            )
            for row in await erp.list_connections(session)
        ]
    )


@router.post(
    "/api/erp/connections",
    openapi_extra=json_body(ConnectionBody),
    **documented(ErpConnectionCreated, 400, 409, status=201),
)
async def create_erp_connection(
    principal: ErpAdminDep, request: Request, session: SessionDep
) -> ErpConnectionCreated:
    """S-62: kept only when the connectivity test passes; the credentials are stored encrypted (Δ 191) and the
    base URL must not reach a refused network (Δ 192)."""
    body = parse_body(ConnectionBody, await read_json(request))
    row = await erp.create_connection(
        session,
        _client(request),
        key_ring(request),
        principal,
        erp.NewConnection(**body.model_dump()),
    )
    return ErpConnectionCreated(
        message="ERP connection created",
        connection_id=row.connection_id,
        system_type=row.system_type,
        status=row.status,
    )


async def _push_one(
    request: Request, session: SessionDep, kind: erp.EntityKind, entity_id: int
) -> ErpPushResponse:
    body = parse_body(PushBody, await read_json(request))
    pushed = await erp.push_one(
        session, _client(request), key_ring(request), kind, entity_id, body.connection_id
    )
    return ErpPushResponse(
        message=f"{kind.value.capitalize()} synced to the ERP", erp_response=pushed.erp_response
    )


_PUSH_ERRORS = (400, 404, 502, 504)
_PUSHES = (
    (erp.EntityKind.COMPANIES, "company", "S-63: the company to the ERP's companies endpoint"),
    (erp.EntityKind.CONTRACTS, "contract", "S-64: the contract as a sales order"),
    (erp.EntityKind.FIXATIONS, "fixation", "S-65: the fixation as a priced sales order of its contract"),
)


def _push_route(kind: erp.EntityKind, summary: str) -> Callable[..., Awaitable[ErpPushResponse]]:
    async def push(entity_id: int, _: ErpAdminDep, request: Request, session: SessionDep) -> ErpPushResponse:
        return await _push_one(request, session, kind, entity_id)

    push.__doc__ = f"{summary}; the ERP's refusal is 502, its silence 504 (Δ 193)."
    return push


for _kind, _segment, _summary in _PUSHES:
    router.post(
        f"/api/erp/sync/{_segment}/{{entity_id}}",
        name=f"sync_{_segment}",
        openapi_extra=json_body(PushBody),
        **documented(ErpPushResponse, *_PUSH_ERRORS),
    )(_push_route(_kind, _summary))


@router.post("/api/erp/sync/bulk", openapi_extra=json_body(BulkBody), **documented(ErpBulkResponse, 400))
async def sync_bulk(_: ErpAdminDep, request: Request, session: SessionDep) -> ErpBulkResponse:
    """S-66: empty `entity_ids` means all (at most 200); failures are listed per id, the answer is 200."""
    body = parse_body(BulkBody, await read_json(request))
    outcome = await erp.push_bulk(
        session, _client(request), key_ring(request), body.entity_type, body.entity_ids, body.connection_id
    )
    total = len(outcome.results) + len(outcome.errors)
    return ErpBulkResponse.model_validate(
        {
            "message": f"Bulk sync of {body.entity_type.value} finished",
            "results": outcome.results,
            "errors": outcome.errors,
            "summary": BulkSummary(total=total, successful=len(outcome.results), failed=len(outcome.errors)),
        }
    )


@router.post("/api/erp/test-connection/{connection_id}", **documented(ErpConnectionTest, 404))
async def recheck_erp_connection(
    connection_id: str, _: ErpAdminDep, request: Request, session: SessionDep
) -> ErpConnectionTest:
    """S-67: the connectivity test again; `disconnected` when it fails."""
    row = await erp.recheck_connection(session, _client(request), key_ring(request), connection_id)
    return ErpConnectionTest(
        connection_id=row.connection_id,
        status=row.status,
        system_type=row.system_type,
        timestamp=iso(utcnow()) or "",
    )
