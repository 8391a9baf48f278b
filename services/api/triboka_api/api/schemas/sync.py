"""S-58, S-59: offline sync answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from triboka_api.api.schemas.lots import LotCore
from triboka_api.api.schemas.supply import ContractListItem


class SyncLot(LotCore):
    quality_score: float | None
    status: str | None
    updated_at: str | None
    updated_at_ms: int | None


class SyncContract(ContractListItem):
    updated_at_ms: int | None


class DeltaResponse(BaseModel):
    server_timestamp: int = Field(description="epoch ms: the next delta's last_sync")
    categories: list[Any]
    products: list[Any]
    lots: list[SyncLot]
    contracts: list[SyncContract]
    has_more: bool


class PushResult(BaseModel):
    entity: str
    id: Any
    status: str = Field(description="applied | conflict | rejected")
    error: str | None
    updated_at_ms: int | None
    server: SyncLot | None = Field(description="the server's row, on a conflict")


class PushResponse(BaseModel):
    status: str
    synced_at: int
    results: list[PushResult]
