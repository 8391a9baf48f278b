from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triboka_api.models.base import Base, Sign, amount, created_ts, intpk, str50, str100, updated_ts, utcnow
from triboka_api.models.company import Company


class ExportContract(Base):
    __tablename__ = "export_contracts"
    __table_args__ = (
        CheckConstraint(
            "fixed_volume_mt >= 0 AND fixed_volume_mt <= total_volume_mt", name="fixed_within_total"
        ),
    )

    id: Mapped[intpk]
    contract_code: Mapped[str] = mapped_column(String(100), unique=True)
    buyer_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    exporter_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    product_type: Mapped[str100 | None] = mapped_column(index=True)
    product_grade: Mapped[str50 | None]
    total_volume_mt: Mapped[Decimal] = amount(12, 2, Sign.POSITIVE, default=Decimal(0))
    fixed_volume_mt: Mapped[Decimal] = amount(12, 2, Sign.NON_NEGATIVE, default=Decimal(0))
    differential_usd: Mapped[Decimal] = amount(10, 2, Sign.ANY, default=Decimal(0))
    start_date: Mapped[datetime | None]
    end_date: Mapped[datetime | None]
    delivery_date: Mapped[datetime | None]
    status: Mapped[str50] = mapped_column(default="draft", index=True)
    blockchain_contract_id: Mapped[str100 | None]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_ts]
    updated_at: Mapped[updated_ts]

    buyer_company: Mapped[Company | None] = relationship(foreign_keys=[buyer_company_id], lazy="joined")
    exporter_company: Mapped[Company | None] = relationship(foreign_keys=[exporter_company_id], lazy="joined")

    @property
    def pending_volume_mt(self) -> Decimal:
        return (self.total_volume_mt or Decimal(0)) - (self.fixed_volume_mt or Decimal(0))


class ContractFixation(Base):
    __tablename__ = "contract_fixations"

    id: Mapped[intpk]
    export_contract_id: Mapped[int] = mapped_column(ForeignKey("export_contracts.id"), index=True)
    fixed_quantity_mt: Mapped[Decimal] = amount(12, 2, Sign.POSITIVE)
    spot_price_usd: Mapped[Decimal] = amount(10, 2, Sign.NON_NEGATIVE)
    total_value_usd: Mapped[Decimal] = amount(16, 2, Sign.ANY)
    # Snapshot of the contract differential at fixation time, so later contract edits cannot rewrite history.
    differential_usd: Mapped[Decimal | None] = amount(10, 2, Sign.ANY)
    fixation_date: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    blockchain_fixation_id: Mapped[str100 | None]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[created_ts]

    contract: Mapped[ExportContract] = relationship(lazy="raise")
