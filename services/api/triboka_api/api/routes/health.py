"""C-01/C-02 health (readiness: a DB round trip, shared by concurrent callers) and a liveness probe that never
touches the database."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from triboka_api import __version__
from triboka_api.api.openapi import documented
from triboka_api.api.schemas.reports import Health, Liveness

router = APIRouter(tags=["health"])


@router.get("/api/health", **documented(Health, others={503: Health}))
@router.get("/health", **documented(Health, others={503: Health}))
async def health(request: Request) -> JSONResponse:
    healthy = await request.app.state.database_probe.healthy()
    body = {
        "status": "ok" if healthy else "error",
        "service": "Triboka Agro API",
        "database": "healthy" if healthy else "unhealthy",
        "blockchain": "not_configured",
        "timestamp": datetime.now().isoformat(),
        "version": __version__,
    }
    return JSONResponse(body, status_code=200 if healthy else 503)


@router.get("/api/health/live", **documented(Liveness))
async def liveness() -> dict[str, str]:
    """Liveness: the process answers. A database outage must not restart the pods (readiness covers it)."""
    return {"status": "alive"}
