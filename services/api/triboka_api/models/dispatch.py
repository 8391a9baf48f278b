from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triboka_api.models.base import Base, Sign, amount, created_ts, intpk, str50, str100, str255, updated_ts
from triboka_api.models.batch import BatchNft
from triboka_api.models.contract import ExportContract
from triboka_api.models.user import User


class Dispatch(Base):
    __tablename__ = "dispatches"

    id: Mapped[intpk]
    dispatch_code: Mapped[str] = mapped_column(String(50), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("export_contracts.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch_nfts.id"), index=True)
    quantity_mt: Mapped[Decimal] = amount(10, 3, Sign.POSITIVE)
    destination_country: Mapped[str] = mapped_column(String(100))
    destination_port: Mapped[str255 | None]
    destination_company: Mapped[str255 | None]
    shipping_date: Mapped[date] = mapped_column(index=True)
    estimated_delivery_date: Mapped[date | None]
    actual_delivery_date: Mapped[date | None]
    carrier_name: Mapped[str255 | None]
    vessel_name: Mapped[str255 | None]
    tracking_number: Mapped[str100 | None]
    bill_of_lading: Mapped[str100 | None]
    status: Mapped[str50] = mapped_column(default="planned", index=True)
    freight_cost_usd: Mapped[Decimal | None] = amount(12, 2, Sign.NON_NEGATIVE)
    insurance_cost_usd: Mapped[Decimal | None] = amount(12, 2, Sign.NON_NEGATIVE)
    other_costs_usd: Mapped[Decimal | None] = amount(12, 2, Sign.NON_NEGATIVE)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    documents: Mapped[list[Any] | None]
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_ts] = mapped_column(index=True)
    updated_at: Mapped[updated_ts]

    contract: Mapped[ExportContract] = relationship(lazy="joined")
    batch: Mapped[BatchNft] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(lazy="joined")
