from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triboka_api.models.base import Base, Sign, amount, created_ts, intpk, str50, str100, str255
from triboka_api.models.company import Company
from triboka_api.models.lot import ProducerLot


class BatchNft(Base):
    """An export batch (the table name is the first generation's, kept for migration)."""

    __tablename__ = "batch_nfts"

    id: Mapped[intpk]
    batch_code: Mapped[str] = mapped_column(String(100), unique=True)
    total_weight_kg: Mapped[Decimal] = amount(12, 2, Sign.POSITIVE, default=Decimal(0))
    batch_type: Mapped[str50 | None]
    location: Mapped[str255 | None]
    creator_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    current_owner_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    blockchain_batch_id: Mapped[str100 | None]
    status: Mapped[str50] = mapped_column(default="created", index=True)
    created_at: Mapped[created_ts]

    creator_company: Mapped[Company | None] = relationship(foreign_keys=[creator_company_id], lazy="joined")
    current_owner_company: Mapped[Company | None] = relationship(
        foreign_keys=[current_owner_company_id], lazy="joined"
    )
    members: Mapped[list[BatchLot]] = relationship(
        lazy="selectin", order_by="BatchLot.position", cascade="all, delete-orphan"
    )

    @property
    def source_lot_ids(self) -> list[int]:
        return [m.lot_id for m in self.members]

    @property
    def source_lot_weights(self) -> list[float]:
        return [float(m.weight_kg) for m in self.members]


class BatchLot(Base):
    """One source lot of a batch, in request order: the relational form of ORIG's `source_lot_ids` JSON."""

    __tablename__ = "batch_lots"

    batch_id: Mapped[int] = mapped_column(ForeignKey("batch_nfts.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("producer_lots.id"), index=True)
    weight_kg: Mapped[Decimal] = amount(12, 2, Sign.POSITIVE)

    lot: Mapped[ProducerLot] = relationship(lazy="raise")
