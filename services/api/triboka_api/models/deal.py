"""Deal rooms (§5.6, §6.1): a deal, its members, notes, messages, private finance sheet, trace links and files."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triboka_api.models.base import Base, Sign, amount, created_ts, intpk, updated_ts


class Deal(Base):
    __tablename__ = "deals"

    id: Mapped[intpk]
    deal_code: Mapped[str] = mapped_column(String(50), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    admin_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    exporter_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    terms_public: Mapped[dict[str, Any] | None]
    terms_private: Mapped[dict[str, Any] | None]
    visibility_rules: Mapped[dict[str, Any] | None]
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_ts]
    updated_at: Mapped[updated_ts]


class DealMember(Base):
    __tablename__ = "deal_members"

    id: Mapped[intpk]
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int]
    party_type: Mapped[str] = mapped_column(String(20), default="company")
    role_in_deal: Mapped[str] = mapped_column(String(20))
    permissions: Mapped[list[Any] | None]
    status: Mapped[str] = mapped_column(String(20), default="invited")
    invited_at: Mapped[created_ts]
    joined_at: Mapped[datetime | None] = mapped_column(DateTime)


class DealTraceLink(Base):
    __tablename__ = "deal_trace_links"

    id: Mapped[intpk]
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    lote_ids: Mapped[list[Any] | None]
    batch_ids: Mapped[list[Any] | None]
    events: Mapped[list[Any] | None]
    created_at: Mapped[created_ts]


class DealNote(Base):
    __tablename__ = "deal_notes"

    id: Mapped[intpk]
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scope: Mapped[str] = mapped_column(String(20), default="PUBLIC")
    content: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[Any] | None]
    created_at: Mapped[created_ts]
    updated_at: Mapped[updated_ts]


class DealMessage(Base):
    __tablename__ = "deal_messages"

    id: Mapped[intpk]
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    content: Mapped[str] = mapped_column(Text)
    message_type: Mapped[str] = mapped_column(String(20), default="text")
    # who may read it, as a note's scope: a file-upload message is as confidential as its file (Δ 104)
    scope: Mapped[str] = mapped_column(String(20), default="PUBLIC")
    attachments: Mapped[list[Any] | None]
    is_read: Mapped[bool] = mapped_column(default=False)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[created_ts]


class DealFinance(Base):
    """`deal_finance_private`: the broker's cost, price and margin; admins only (S-33, S-34)."""

    __tablename__ = "deal_finance_private"

    id: Mapped[intpk]
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), unique=True)
    costo_admin: Mapped[Decimal | None] = amount(16, 2, Sign.NON_NEGATIVE)
    precio_admin: Mapped[Decimal | None] = amount(16, 2, Sign.NON_NEGATIVE)
    margen_pct: Mapped[Decimal | None] = amount(16, 4, Sign.ANY)
    margen_abs: Mapped[Decimal | None] = amount(16, 2, Sign.ANY)
    currency: Mapped[str] = mapped_column(String(10), default="USD")
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[updated_ts]


class DealFile(Base):
    """An uploaded file's record; the bytes live in the object store under `storage_key` (S-37..S-39)."""

    __tablename__ = "deal_files"

    id: Mapped[intpk]
    public_id: Mapped[str] = mapped_column(String(36), unique=True)  # the contract's file id (a uuid)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # the client's name, made safe; never a storage path
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    file_size: Mapped[int] = mapped_column(BigInteger)
    file_type: Mapped[str] = mapped_column(String(10))
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confidentiality: Mapped[str] = mapped_column(String(20), default="PUBLIC")
    description: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[created_ts]
