"""Deal rooms (S-25..S-42): the response shapes are the serializers' TypedDicts (`serializers/deals.py`), defined
once: pydantic documents a TypedDict as it does a model, the handlers are type-checked against the same shapes
they return, and schemathesis holds both to what the API sends (tests/api/test_schemathesis.py)."""

from __future__ import annotations

from typing_extensions import TypedDict

from triboka_api.serializers.deals import (
    DealCreated,
    DealList,
    DealView,
    FileItem,
    FileUploaded,
    FilteredTrace,
    FinanceSaved,
    FinanceSheet,
    MemberAdded,
    MessageAdded,
    MessageItem,
    NoteAdded,
    NoteItem,
    SearchResult,
    TraceLinkAdded,
    TraceView,
)

__all__ = [
    "DealCreated",
    "DealList",
    "DealView",
    "FileItem",
    "FileUploaded",
    "FilteredTrace",
    "FinanceSaved",
    "FinanceSheet",
    "MemberAdded",
    "MessageAdded",
    "MessageItem",
    "NoteAdded",
    "NoteItem",
    "SearchResult",
    "TraceLinkAdded",
    "TraceView",
]


class SocketTicket(TypedDict):
    """Δ 112: a one-minute credential for the deal room's socket (`auth: {"ticket": ...}`)."""

    ticket: str
    expires_in: int
