"""Pages that need no sign-in: the landing page, public lot verification and the system status page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from triboka_web.api_client import ApiClient, ApiError, ApiNotFoundError
from triboka_web.auth import OptionalUser
from triboka_web.templating import render
from triboka_web.urls import redirect_to

router = APIRouter()


def _anonymous(request: Request) -> ApiClient:
    api: ApiClient = request.app.state.api
    return api


@router.get("/")
async def home(request: Request, user: OptionalUser) -> Response:
    if user:
        return redirect_to(request, "dashboard")
    market = await _anonymous(request).get("/api/market/cacao-prices")
    return render(request, "public/home.html", {"market": market})


@router.get("/verify")
async def verify_form(request: Request, code: str | None = None) -> Response:
    if code and code.strip():
        return redirect_to(request, "verify_lot", lot_code=code.strip())
    return render(request, "public/verify_form.html")


@router.get("/verify/{lot_code}")
async def verify_lot(request: Request, lot_code: str) -> Response:
    api = _anonymous(request)
    try:
        lot: dict[str, Any] = await api.get(f"/api/lots/id/{quote(lot_code, safe='')}")
    except ApiNotFoundError:
        return render(request, "public/verify_missing.html", {"code": lot_code}, status_code=404)
    try:
        trace = await api.get(f"/api/public/trace/verify/lot/{lot['id']}")
    except ApiError:  # 404: no public events recorded for this lot yet
        trace = None
    return render(request, "public/verify.html", {"code": lot_code, "lot": lot, "trace": trace})


@router.get("/status")
async def status(request: Request) -> Response:
    api_ok, health = await _anonymous(request).health()
    return render(request, "public/status.html", {"api_ok": api_ok, "health": health})
