"""Company API keys (§5.9, stored hashed) and B2B contact requests (S-53): the tables of issue 14's integrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triboka_api.models.base import Base, created_ts, intpk, str50, str100


class CompanyApiKey(Base):
    """One integration key of a company. The secret is never stored: `prefix` finds the row, `secret_hash` (the
    SHA-256 of the whole key) proves it. A revoked key stays for the audit trail and never authenticates."""

    __tablename__ = "company_api_keys"

    id: Mapped[intpk]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str100 | None]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_ts]
    revoked_at: Mapped[datetime | None]


class ContactRequest(Base):
    """A B2B contact (S-53) from a buyer-side company to a producer, kept so that both sides can follow it up."""

    __tablename__ = "contact_requests"

    id: Mapped[intpk]
    from_company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    producer_company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    contact_type: Mapped[str50]
    message: Mapped[str | None] = mapped_column(Text)
    lot_ids: Mapped[list[Any] | None]
    created_at: Mapped[created_ts]
