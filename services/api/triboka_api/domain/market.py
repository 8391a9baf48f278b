"""Cocoa market prices (C-51): a provider interface, a database-backed provider, and the contract's computation.

No network call happens at request time. Daily closes (USD per metric ton) live in `market_prices`, written by
an admin (POST /api/market/prices) or by a feed job through the same table; the provider reads them.
"""

from __future__ import annotations

import itertools
import math
import statistics
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.analytics_cache import AnalyticsCache
from triboka_api.models import ExportContract, MarketPrice, ProducerLot, utcnow

FALLBACK_SPOT = 3250.0
FALLBACK_VOLATILITY = 15.0
NO_LOTS_DIFFERENTIAL = -1100.0


@dataclass(frozen=True)
class MarketQuote:
    spot_usd_per_mt: float
    prev_close_usd_per_mt: float
    year_low: float
    year_high: float
    daily_closes: list[float]
    source: str


class PriceProvider(Protocol):
    async def quote(self, session: AsyncSession) -> MarketQuote | None: ...


class DatabasePriceProvider:
    """One year of daily closes from `market_prices`; None when there are none."""

    symbol = "CC"

    async def quote(self, session: AsyncSession) -> MarketQuote | None:
        since = utcnow().date() - timedelta(days=366)
        rows = (
            await session.execute(
                select(MarketPrice.close_usd_per_mt, MarketPrice.source)
                .where(MarketPrice.symbol == self.symbol, MarketPrice.price_date >= since)
                .order_by(MarketPrice.price_date)
            )
        ).all()
        if not rows:
            return None
        closes = [float(close) for close, _ in rows]
        return MarketQuote(
            spot_usd_per_mt=closes[-1],
            prev_close_usd_per_mt=closes[-2] if len(closes) > 1 else closes[-1],
            year_low=min(closes),
            year_high=max(closes),
            daily_closes=closes,
            source=f"Triboka market_prices ({rows[-1][1]})",
        )


class CachedProvider:
    """A provider's answer kept in the analytics cache (prices change daily, requests come many per second): one
    cache and one TTL for every computed figure, a new generation after every write (a recorded price too)."""

    key = "market:quote"

    def __init__(self, inner: PriceProvider, cache: AnalyticsCache) -> None:
        self._inner, self._cache = inner, cache

    async def quote(self, session: AsyncSession) -> MarketQuote | None:
        found = await self._cache.get(self.key)
        if found is not None:
            return MarketQuote(**found) if found else None
        value = await self._inner.quote(session)
        # {} stands for "no data": None is the cache's miss
        await self._cache.put(self.key, asdict(value) if value is not None else {})
        return value


def differential_type(value: float) -> tuple[str, str]:
    if -1600 <= value <= -1400:
        return "producer", "Rango de productor"
    if -1400 < value <= -1200:
        return "transition", "Rango de transición"
    if -1200 < value <= -1000:
        return "exporter", "Rango de exportador"
    if value < -1600:
        return "below_range", "Por debajo del rango"
    if value < 0:
        return "competitive", "Competitivo"
    return "premium", "Premium"


def volatility(closes: list[float]) -> float:
    returns = [(b - a) / a for a, b in itertools.pairwise(closes) if a]
    if len(returns) < 2:
        return FALLBACK_VOLATILITY
    return statistics.stdev(returns) * 100 * math.sqrt(252)


BUSINESS_LOGIC = {
    "differential_producers": {
        "min": -1600,
        "max": -1400,
        "unit": "USD/MT",
        "description": "Diferencial típico pagado al productor respecto al precio spot",
    },
    "differential_exporters": {
        "min": -1200,
        "max": -1000,
        "unit": "USD/MT",
        "description": "Diferencial típico de contratos de exportación",
    },
    "expected_margin": {
        "min": 300,
        "max": 600,
        "unit": "USD/MT",
        "description": "Margen esperado del exportador entre compra y venta",
    },
    "pricing_model": "Precio final = precio spot de referencia + diferencial del contrato",
    "factors": [
        "Calidad y certificaciones del lote",
        "Costos logísticos y de exportación",
        "Volumen y plazo del contrato",
        "Volatilidad del mercado de futuros",
    ],
    "fixing_logic": "El comprador fija precio por volumen contra el spot hasta cubrir el volumen del contrato",
}


async def market_summary(session: AsyncSession, provider: PriceProvider) -> dict[str, Any]:
    quote = await provider.quote(session)
    if quote is None:
        spot, change, source = FALLBACK_SPOT, 0.0, "fallback (no market data recorded)"
        range_min, range_max, vol = spot * 0.85, spot * 1.30, FALLBACK_VOLATILITY
    else:
        spot, source = quote.spot_usd_per_mt, quote.source
        prev = quote.prev_close_usd_per_mt
        change = (spot - prev) / prev * 100 if prev else 0.0
        range_min, range_max, vol = quote.year_low, quote.year_high, volatility(quote.daily_closes)

    lots = (
        await session.execute(
            select(ProducerLot.purchase_price_usd, ProducerLot.weight_kg).where(
                ProducerLot.status.in_(("purchased", "batched")),
                ProducerLot.purchase_price_usd.is_not(None),
                ProducerLot.weight_kg > 0,
            )
        )
    ).all()
    # (price, metric tons) of each lot; the query excludes NULL prices and weights
    sold = [(float(price), float(weight) / 1000) for price, weight in lots if price is not None and weight]
    prices = [price / mt for price, mt in sold]
    lot_mt = sum(mt for _, mt in sold)
    average = statistics.fmean(prices) if prices else spot + NO_LOTS_DIFFERENTIAL
    active_count, active_volume = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(ExportContract.total_volume_mt), Decimal(0))).where(
                ExportContract.status.in_(("active", "pending"))
            )
        )
    ).one()
    value = average - spot
    kind, label = differential_type(round(value, 2))
    return {
        "spot": {
            "price": round(spot, 2),
            "change": round(change, 2),
            "currency": "USD",
            "unit": "MT",
            "source": source,
        },
        "contracts": {
            "avgPrice": round(average, 2),
            "activeCount": active_count or len(prices),
            "totalVolume": round(float(active_volume) or lot_mt, 2),
        },
        "fixed": {"avgPrice": round(average, 2), "volume": round(lot_mt, 2)},
        "differential": {
            "value": round(value, 2),
            "percent": round(value / spot * 100, 2) if spot else 0.0,
            "status": label,
            "type": kind,
            "explanation": "Diferencial = precio promedio pagado por lotes − precio spot",
        },
        "market": {
            "rangeMin": round(range_min, 2),
            "rangeMax": round(range_max, 2),
            "volatility": round(vol, 2),
        },
        "business_logic": BUSINESS_LOGIC,
        "timestamp": utcnow().isoformat(),
        "source": f"{source} + Triboka Database",
        "data_points": {
            "lots_analyzed": len(prices),
            "contracts_active": active_count,
            "total_fixed_mt": round(lot_mt, 2),
        },
    }
