from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triboka_api.models.base import Base, Sign, amount, created_ts, intpk, str50, str100, str255, updated_ts
from triboka_api.models.company import Company
from triboka_api.models.user import User


class ProducerLot(Base):
    __tablename__ = "producer_lots"

    id: Mapped[intpk]
    lot_code: Mapped[str] = mapped_column(String(100), unique=True)
    producer_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    producer_name: Mapped[str255 | None]
    farm_name: Mapped[str255 | None]
    location: Mapped[str255 | None]
    product_type: Mapped[str100 | None]
    weight_kg: Mapped[Decimal | None] = amount(12, 2, Sign.POSITIVE, index=True)
    quality_grade: Mapped[str50 | None] = mapped_column(index=True)
    moisture_content: Mapped[Decimal | None] = amount(5, 2, Sign.NON_NEGATIVE)
    harvest_date: Mapped[datetime | None] = mapped_column(index=True)
    purchase_date: Mapped[datetime | None]
    purchase_price_usd: Mapped[Decimal | None] = amount(14, 2, Sign.NON_NEGATIVE)
    certifications: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str50] = mapped_column(default="available", index=True)
    blockchain_lot_id: Mapped[str100 | None] = mapped_column(index=True)
    export_contract_id: Mapped[int | None] = mapped_column(ForeignKey("export_contracts.id"), index=True)
    purchased_by_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch_nfts.id"), index=True)
    purchase_tx_hash: Mapped[str100 | None]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[created_ts]
    updated_at: Mapped[updated_ts]

    producer_company: Mapped[Company | None] = relationship(foreign_keys=[producer_company_id], lazy="joined")
    purchased_by_company: Mapped[Company | None] = relationship(
        foreign_keys=[purchased_by_company_id], lazy="joined"
    )
    created_by: Mapped[User | None] = relationship(lazy="raise")


# C-13's order (harvest date, newest first, undated last; then id) as an index, alone and after the equality filters
# that scope most lists (status, producer): a page (`limit`) and the producer's list read their rows in that order
# instead of sorting every match, so their cost does not grow with the table (issue 16, goal 5). SQLite's index
# has no NULLS LAST, which its DESC order already is (migration 0009_read_indexes).
LOT_ORDER_INDEXES = {
    "ix_producer_lots_harvest_order": (),
    "ix_producer_lots_status_harvest_order": ("status",),
    "ix_producer_lots_company_harvest_order": ("producer_company_id",),
}
for _name, _leading in LOT_ORDER_INDEXES.items():
    Index(
        _name,
        *(ProducerLot.__table__.c[column] for column in _leading),
        ProducerLot.harvest_date.desc().nulls_last(),
        ProducerLot.id.desc(),
    )
