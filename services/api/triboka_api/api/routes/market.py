"""C-51 market prices (through the analytics cache, `api.cached`), and the admin write path that feeds them."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field
from sqlalchemy import select

from triboka_api.api.cached import cached
from triboka_api.api.conditional import conditional_json, with_not_modified
from triboka_api.api.deps import SessionDep, require_roles
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.schemas.reports import MarketSummary, PriceRecorded
from triboka_api.api.validation import IsoDate, RequestModel, parse_body, read_json
from triboka_api.domain.market import market_summary
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.models import MarketPrice

router = APIRouter(tags=["market"])

MarketAdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.OPERATOR))]


class PriceBody(RequestModel):
    price_date: IsoDate
    close_usd_per_mt: float = Field(gt=0)
    source: str = Field(default="manual", max_length=100)


@router.get("/api/market/cacao-prices", **with_not_modified(documented(MarketSummary)))
async def cacao_prices(request: Request, session: SessionDep) -> Response:
    # the whole summary is kept (its lot and contract sums cost more than the quote); `timestamp` is when it was
    # computed, left out of the ETag
    summary = await cached(
        request, "market:summary", lambda: market_summary(session, request.app.state.price_provider)
    )
    return conditional_json(request, summary, volatile=("timestamp",))


@router.post(
    "/api/market/prices", openapi_extra=json_body(PriceBody), **documented(PriceRecorded, 400, status=201)
)
async def record_price(_: MarketAdminDep, request: Request, session: SessionDep) -> dict[str, Any]:
    """Record (or correct) one daily close in USD per metric ton."""
    body = parse_body(PriceBody, await read_json(request))
    row = await session.scalar(
        select(MarketPrice).where(MarketPrice.symbol == "CC", MarketPrice.price_date == body.price_date)
    )
    if row is None:
        row = MarketPrice(
            symbol="CC",
            price_date=body.price_date,
            close_usd_per_mt=body.close_usd_per_mt,
            source=body.source,
        )
        session.add(row)
    else:
        row.close_usd_per_mt, row.source = Decimal(str(body.close_usd_per_mt)), body.source
    await session.commit()  # the write moves the analytics cache on (AnalyticsInvalidationMiddleware)
    return {
        "message": "Price recorded",
        "price_date": body.price_date.isoformat(),
        "close_usd_per_mt": body.close_usd_per_mt,
        "source": body.source,
    }
