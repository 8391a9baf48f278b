"""ERP connections and pushes (S-60..S-67)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from triboka_api.api.schemas.common import Message


class ErpEndpoints(BaseModel):
    companies: str
    items: str
    orders: str
    invoices: str


class ErpSystem(BaseModel):
    name: str
    api_version: str
    endpoints: ErpEndpoints


class ErpSystemsResponse(BaseModel):
    systems: dict[str, ErpSystem]
    supported_systems: list[str]


class ErpConnectionView(BaseModel):
    """A connection as listed: never its credentials."""

    id: str = Field(description="The connection id, `{system}_{YYYYMMDD_HHMMSS}`")
    system_type: str
    name: str
    base_url: str
    status: str = Field(description="`connected` or `disconnected` (the last connectivity test or push)")
    last_sync: str | None


class ErpConnectionsResponse(BaseModel):
    connections: list[ErpConnectionView]


class ErpConnectionCreated(Message):
    connection_id: str
    system_type: str
    status: str


class ErpPushResponse(Message):
    erp_response: Any = Field(description="The ERP's answer (JSON, or `{raw}` when it is not JSON)")


class BulkResult(BaseModel):
    id: int
    status: str
    erp_id: str | None


class BulkError(BaseModel):
    id: int
    error: str


class BulkSummary(BaseModel):
    total: int
    successful: int
    failed: int


class ErpBulkResponse(Message):
    results: list[BulkResult]
    errors: list[BulkError]
    summary: BulkSummary


class ErpConnectionTest(BaseModel):
    connection_id: str
    status: str
    system_type: str
    timestamp: str
