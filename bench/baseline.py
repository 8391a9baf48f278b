"""The bare baseline of `make bench`: a minimal Starlette app that runs the same SQL as the API's producer
`GET /api/lots` through asyncpg and returns it as JSON, with no framework features on top."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

LOTS_SQL = """
SELECT l.id, l.lot_code, pc.name AS producer_company, l.producer_company_id, l.producer_name, l.farm_name,
       l.location, l.product_type, l.weight_kg, l.quality_grade, l.moisture_content, l.harvest_date,
       l.purchase_date, l.purchase_price_usd, l.status, l.created_at, l.blockchain_lot_id, l.export_contract_id,
       l.batch_id, l.certifications, bc.name AS purchased_by, u.email AS created_by
FROM producer_lots l
LEFT JOIN companies pc ON pc.id = l.producer_company_id
LEFT JOIN companies bc ON bc.id = l.purchased_by_company_id
LEFT JOIN users u ON u.id = l.created_by_user_id
WHERE l.producer_company_id = $1
ORDER BY l.harvest_date DESC NULLS LAST, l.id DESC
"""


def _default(value: object) -> object:
    return float(value)  # Decimal


@asynccontextmanager
async def lifespan(app: Starlette):
    app.state.pool = await asyncpg.create_pool(os.environ["BASELINE_DSN"], min_size=5, max_size=10)
    yield
    await app.state.pool.close()


async def lots(request: Request) -> Response:
    company = int(request.query_params["company"])
    async with request.app.state.pool.acquire() as conn:
        rows = await conn.fetch(LOTS_SQL, company)
    return Response(orjson.dumps([dict(r) for r in rows], default=_default), media_type="application/json")


app = Starlette(routes=[Route("/api/lots", lots)], lifespan=lifespan)
