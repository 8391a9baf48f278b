"""Response shapes of the deal rooms (§5.6), typed for the OpenAPI document."""

from __future__ import annotations

import json
from typing import Any, NotRequired

from typing_extensions import TypedDict

from triboka_api.domain.access import DealAccess
from triboka_api.domain.deal_trace import TimelineItem, Trace
from triboka_api.models import Deal, DealFile, DealFinance, DealMember, DealMessage, DealNote, DealTraceLink
from triboka_api.serializers.common import iso, num


def raw(value: Any) -> str | None:
    """A JSON column as the raw JSON string the first generation's Text columns returned."""
    return None if value is None else json.dumps(value, ensure_ascii=False)


class Pagination(TypedDict):
    total: int
    limit: int
    offset: int
    has_more: bool


class DealListItem(TypedDict):
    id: int
    deal_code: str
    producer_company: str | None
    exporter_company: str | None
    terms_public: str | None
    status: str
    created_at: str | None
    updated_at: str | None
    admin_name: str | None


class DealList(TypedDict):
    deals: list[DealListItem]
    pagination: Pagination


class CreatedDeal(TypedDict):
    id: int
    deal_code: str
    producer_company: str | None
    exporter_company: str | None
    description: str | None
    terms_public: dict[str, Any] | None
    status: str
    created_at: str | None
    admin_name: str | None


class DealCreated(TypedDict):
    message: str
    deal: CreatedDeal


class MemberItem(TypedDict):
    id: int
    party_id: int
    party_type: str
    role_in_deal: str
    permissions: str | None
    joined_at: str | None
    party_name: str | None


class DealView(TypedDict):
    id: int
    deal_code: str
    status: str
    admin_id: int
    created_at: str | None
    updated_at: str | None
    terms_public: dict[str, Any] | None
    description: str | None
    role_in_deal: str
    producer_id: NotRequired[int | None]
    exporter_id: NotRequired[int | None]
    terms_private: NotRequired[dict[str, Any] | None]
    members: list[MemberItem]


class NewMemberItem(TypedDict):
    id: int
    party_id: int
    party_type: str
    role_in_deal: str
    permissions: list[Any] | None
    invited_at: str | None


class MemberAdded(TypedDict):
    message: str
    member: NewMemberItem


class AuthoredItem(TypedDict):
    """What notes and messages share: the row and who wrote it."""

    id: int
    author_id: int
    author_name: str | None


class NoteItem(AuthoredItem):
    scope: str
    content: str
    attachments: str | None
    created_at: str | None
    updated_at: str | None


class NoteAdded(TypedDict):
    message: str
    note: NoteItem


class MessageItem(AuthoredItem):
    content: str
    attachments: str | None
    created_at: str | None


class MessageAdded(TypedDict):
    message: str
    msg: MessageItem


class FoundMessage(AuthoredItem):
    content: str
    attachments: Any
    message_type: str
    created_at: str | None
    deal_id: int


class SearchResult(TypedDict):
    query: str | None
    total_results: int
    messages: list[FoundMessage]


class FinanceSheet(TypedDict):
    deal_id: int
    costo_admin: float | None
    precio_admin: float | None
    margen_pct: float | None
    margen_abs: float | None
    currency: str
    notes: str | None
    updated_at: str | None


class FinanceSaved(TypedDict):
    message: str
    finance: FinanceSheet


class TimelineEntry(TypedDict):
    id: str
    type: str
    title: str
    description: str | None
    timestamp: str | None
    actor: str | None
    icon: str
    color: str
    metadata: dict[str, Any]


class TraceLinkItem(TypedDict):
    id: int
    lote_ids: list[Any]
    batch_ids: list[Any]
    events: list[Any]
    created_at: str | None


class DateRange(TypedDict):
    start: str | None
    end: str | None


class TraceEntities(TypedDict):
    lotes: int
    batches: int
    contracts: int
    blockchain_events: int


class TraceSummary(TypedDict):
    deal_id: int
    total_events: int
    date_range: DateRange
    entities: TraceEntities


class TraceView(TypedDict):
    summary: TraceSummary
    timeline: list[TimelineEntry]
    trace_links: list[TraceLinkItem]


class TraceLinkAdded(TypedDict):
    message: str
    trace_link: TraceLinkItem


class FilterStats(TypedDict):
    total_events: int
    filtered_events: int
    applied_filters: dict[str, Any]
    event_types: list[str]
    actors: list[str]


class FilteredTrace(TypedDict):
    filter_stats: FilterStats
    timeline: list[TimelineEntry]


class FileItem(TypedDict):
    id: str
    filename: str
    unique_filename: str
    file_size: int
    file_type: str
    sha256: str
    uploaded_by: int
    uploaded_by_name: str | None
    confidentiality: str
    description: str | None
    uploaded_at: str
    download_url: str


class FileUploaded(TypedDict):
    message: str
    file: FileItem


def company_names(deal: Deal, companies: dict[int, str]) -> tuple[str | None, str | None]:
    return (
        companies.get(deal.producer_id) if deal.producer_id else None,
        companies.get(deal.exporter_id) if deal.exporter_id else None,
    )


def deal_list_item(deal: Deal, companies: dict[int, str], admins: dict[int, str]) -> DealListItem:
    producer, exporter = company_names(deal, companies)
    return {
        "id": deal.id,
        "deal_code": deal.deal_code,
        "producer_company": producer,
        "exporter_company": exporter,
        "terms_public": raw(deal.terms_public),  # S-25: the raw JSON string
        "status": deal.status,
        "created_at": iso(deal.created_at),
        "updated_at": iso(deal.updated_at),
        "admin_name": admins.get(deal.admin_id),
    }


def created_deal(deal: Deal, companies: dict[int, str], admin_name: str | None) -> CreatedDeal:
    producer, exporter = company_names(deal, companies)
    return {
        "id": deal.id,
        "deal_code": deal.deal_code,
        "producer_company": producer,
        "exporter_company": exporter,
        "description": deal.description,
        "terms_public": deal.terms_public,  # S-26: the object
        "status": deal.status,
        "created_at": iso(deal.created_at),
        "admin_name": admin_name,
    }


def member_item(member: DealMember, name: str | None) -> MemberItem:
    return {
        "id": member.id,
        "party_id": member.party_id,
        "party_type": member.party_type,
        "role_in_deal": member.role_in_deal,
        "permissions": raw(member.permissions),
        "joined_at": iso(member.joined_at),
        "party_name": name,
    }


def deal_view(deal: Deal, access: DealAccess, members: list[tuple[DealMember, str | None]]) -> DealView:
    """S-27 by role-in-deal: the companies for admins and parties, the private terms for admins only."""
    view: DealView = {
        "id": deal.id,
        "deal_code": deal.deal_code,
        "status": deal.status,
        "admin_id": deal.admin_id,
        "created_at": iso(deal.created_at),
        "updated_at": iso(deal.updated_at),
        "terms_public": deal.terms_public,
        "description": deal.description,
        "role_in_deal": access.role.value,
        "members": [member_item(m, name) for m, name in members],
    }
    if access.is_admin or access.role.value in ("producer", "exporter"):
        view["producer_id"] = deal.producer_id
        view["exporter_id"] = deal.exporter_id
    if access.is_admin:
        view["terms_private"] = deal.terms_private
    return view


def new_member_item(member: DealMember) -> NewMemberItem:
    return {
        "id": member.id,
        "party_id": member.party_id,
        "party_type": member.party_type,
        "role_in_deal": member.role_in_deal,
        "permissions": member.permissions,
        "invited_at": iso(member.invited_at),
    }


def _authored(row: DealNote | DealMessage, authors: dict[int, str]) -> AuthoredItem:
    return {"id": row.id, "author_id": row.author_id, "author_name": authors.get(row.author_id)}


def note_item(note: DealNote, authors: dict[int, str]) -> NoteItem:
    return {
        **_authored(note, authors),
        "scope": note.scope,
        "content": note.content,
        "attachments": raw(note.attachments),
        "created_at": iso(note.created_at),
        "updated_at": iso(note.updated_at),
    }


def message_item(message: DealMessage, authors: dict[int, str]) -> MessageItem:
    return {
        **_authored(message, authors),
        "content": message.content,
        "attachments": raw(message.attachments),
        "created_at": iso(message.created_at),
    }


def found_message(message: DealMessage, authors: dict[int, str]) -> FoundMessage:
    return {
        **_authored(message, authors),
        "content": message.content,
        "attachments": message.attachments if message.attachments is not None else [],
        "message_type": message.message_type,
        "created_at": iso(message.created_at),
        "deal_id": message.deal_id,
    }


def finance_sheet(deal_id: int, finance: DealFinance | None) -> FinanceSheet:
    if finance is None:
        return {
            "deal_id": deal_id,
            "costo_admin": None,
            "precio_admin": None,
            "margen_pct": None,
            "margen_abs": None,
            "currency": "USD",
            "notes": None,
            "updated_at": None,
        }
    return {
        "deal_id": deal_id,
        "costo_admin": num(finance.costo_admin),
        "precio_admin": num(finance.precio_admin),
        "margen_pct": num(finance.margen_pct),
        "margen_abs": num(finance.margen_abs),
        "currency": finance.currency,
        "notes": finance.notes,
        "updated_at": iso(finance.updated_at),
    }


def timeline_entry(item: TimelineItem) -> TimelineEntry:
    return {
        "id": item.id,
        "type": item.type,
        "title": item.title,
        "description": item.description,
        "timestamp": iso(item.timestamp),
        "actor": item.actor,
        "icon": item.icon,
        "color": item.color,
        "metadata": item.metadata,
    }


def trace_link_item(link: DealTraceLink) -> TraceLinkItem:
    return {
        "id": link.id,
        "lote_ids": link.lote_ids or [],
        "batch_ids": link.batch_ids or [],
        "events": link.events or [],
        "created_at": iso(link.created_at),
    }


def trace_view(deal_id: int, trace: Trace) -> TraceView:
    stamps = [item.timestamp for item in trace.timeline]
    return {
        "summary": {
            "deal_id": deal_id,
            "total_events": len(trace.timeline),
            "date_range": {"start": iso(min(stamps, default=None)), "end": iso(max(stamps, default=None))},
            "entities": {
                "lotes": trace.lot_count,
                "batches": trace.batch_count,
                "contracts": trace.contract_count,
                "blockchain_events": 0,
            },
        },
        "timeline": [timeline_entry(item) for item in trace.timeline],
        "trace_links": [trace_link_item(link) for link in trace.links],
    }


def file_item(record: DealFile, names: dict[int, str]) -> FileItem:
    """S-37/S-38's record; never a storage path (Δ), plus the SHA-256 and the download URL."""
    return {
        "id": record.public_id,
        "filename": record.filename,
        "unique_filename": record.storage_key.rsplit("/", 1)[-1],
        "file_size": record.file_size,
        "file_type": record.file_type,
        "sha256": record.sha256,
        "uploaded_by": record.uploaded_by,
        "uploaded_by_name": names.get(record.uploaded_by),
        "confidentiality": record.confidentiality,
        "description": record.description,
        "uploaded_at": record.uploaded_at.isoformat(),
        "download_url": f"/api/deals/{record.deal_id}/files/{record.public_id}/download",
    }
