"""Probes. Liveness (`/health`) never calls the API; readiness (`/ready`, `/health?deep=1`) checks it."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from triboka_web.api_client import ApiClient

router = APIRouter(tags=["probes"])


async def _readiness(request: Request) -> JSONResponse:
    client: ApiClient = request.app.state.api
    api_ok, _body = await client.health()
    return JSONResponse(
        {"status": "ok" if api_ok else "unavailable", "api": "ok" if api_ok else "unavailable"},
        status_code=200 if api_ok else 503,
    )


@router.get("/health")
async def health(request: Request, deep: bool = False) -> JSONResponse:
    if deep:
        return await _readiness(request)
    return JSONResponse({"status": "ok"})


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    return await _readiness(request)
