"""S-11, S-12: the chain-less build's honest answers (§1.7): no chain is connected and nothing was written to one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from triboka_api.api.deps import PrincipalDep
from triboka_api.api.openapi import documented
from triboka_api.api.routes.dashboards import BLOCKCHAIN_STATUS
from triboka_api.api.schemas.analytics import BlockchainStatus, BlockchainTransaction

router = APIRouter(tags=["blockchain"])


@router.get("/api/blockchain/status", **documented(BlockchainStatus))
async def blockchain_status(_: PrincipalDep) -> dict[str, Any]:
    """The same object as C-50's `blockchain_status`: not connected, no network, no contracts."""
    return BLOCKCHAIN_STATUS


@router.get("/api/blockchain/transactions", **documented(list[BlockchainTransaction]))
async def blockchain_transactions(_: PrincipalDep) -> list[dict[str, Any]]:
    """Always empty: there is no chain (Δ: JWT required; ORIG was public and returned fabricated transactions)."""
    return []
