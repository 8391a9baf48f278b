"""One counter per code base (a lot's `LOT-…-{second}-{company}`, a dispatch's `DSP-{year}-`): the last number
handed out under it, so that allocating the next code is one upsert instead of a lock and a scan (issue 16)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from triboka_api.models.base import Base


class CodeCounter(Base):
    __tablename__ = "code_counters"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_number: Mapped[int]
