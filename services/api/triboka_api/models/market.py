from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triboka_api.models.base import Base, Sign, amount, created_ts, intpk


class MarketPrice(Base):
    """One daily close of cocoa in USD per metric ton, written by an admin or a feed job (C-51 reads it)."""

    __tablename__ = "market_prices"
    __table_args__ = (UniqueConstraint("symbol", "price_date"),)

    id: Mapped[intpk]
    symbol: Mapped[str] = mapped_column(String(20), default="CC")
    price_date: Mapped[date] = mapped_column(index=True)
    close_usd_per_mt: Mapped[Decimal] = amount(12, 2, Sign.NON_NEGATIVE)
    source: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[created_ts]
