from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from triboka_api.models.base import Base, created_ts, intpk, str50, str100, str255


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[intpk]
    name: Mapped[str255]
    email: Mapped[str255 | None]
    company_type: Mapped[str50 | None] = mapped_column(index=True)
    country: Mapped[str100 | None]
    blockchain_address: Mapped[str100 | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_ts]
