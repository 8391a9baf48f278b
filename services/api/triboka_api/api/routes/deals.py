"""S-25..S-36, S-40..S-42: deal rooms (admin broker mode, §5.6), the trace's PDF (S-41) last. Files
(S-37..S-39) are in `deal_files`. Every route opens the deal first (404, then the deal-access rule, 403), then
reads its body (a non-JSON body is 400, Δ 100)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.api.deps import PrincipalDep, SessionDep, require_roles
from triboka_api.api.errors import ApiError, bad_request
from triboka_api.api.openapi import binary, documented, json_body
from triboka_api.api.schemas import deals as schemas
from triboka_api.api.schemas.common import Message
from triboka_api.api.validation import (
    IsoDatetime,
    M,
    RequestModel,
    parse_body,
    parse_datetime_param,
    read_json,
)
from triboka_api.domain import deal_talk, deal_trace, deals
from triboka_api.domain.access import require_deal_admin
from triboka_api.domain.bounds import OutOfBoundsError, check_moment
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.models import utcnow
from triboka_api.serializers import deals as shapes

router = APIRouter(tags=["deals"])
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.OPERATOR))]
MAX_LIMIT = 200


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_request(f"limit must be between 1 and {MAX_LIMIT}")
    return limit


class CreateDealBody(RequestModel):
    producer_id: int
    exporter_id: int
    terms_public: dict[str, Any] | None = None
    terms_private: dict[str, Any] | None = None
    description: str | None = None


class AddMemberBody(RequestModel):
    party_id: int
    role_in_deal: str
    party_type: str = "company"
    permissions: list[str] | None = None


class NoteBody(RequestModel):
    content: str
    scope: str | None = None
    attachments: list[Any] | None = None


class MessageBody(RequestModel):
    content: str
    attachments: list[Any] | None = None


class FinanceBody(RequestModel):
    costo_admin: Decimal | None = None
    precio_admin: Decimal | None = None
    currency: str | None = None
    notes: str | None = None


class LinkEventBody(RequestModel):
    title: str
    description: str | None = None
    timestamp: IsoDatetime | None = None
    type: str | None = None


class TraceLinkBody(RequestModel):
    lote_ids: list[int] | None = None
    batch_ids: list[int] | None = None
    # objects {title, description?, timestamp?, type?}, checked one by one below
    events: list[dict[str, Any]] | None = None


async def _as_deal_admin(
    session: AsyncSession, principal: Principal, deal_id: int, request: Request, model: type[M]
) -> tuple[deals.OpenDeal, M]:
    """S-28, S-34, S-36: the deal (404), the deal-access rule (403), the deal's admins only (403), the body."""
    opened = await deals.open_deal(session, principal, deal_id)
    require_deal_admin(opened.access)
    return opened, parse_body(model, await read_json(request))


# S-25, S-26 -------------------------------------------------------------------------------------------------------


@router.get("/api/deals", **documented(schemas.DealList))
async def list_deals(
    _: AdminDep, session: SessionDep, status: str | None = None, limit: int = 50, offset: int = 0
) -> shapes.DealList:
    size = _limit(limit)
    if offset < 0:
        raise bad_request("offset must not be negative")
    page = await deals.list_deals(session, status or None, size, offset)
    return {
        "deals": [shapes.deal_list_item(d, page.companies, page.admins) for d in page.deals],
        "pagination": {
            "total": page.total,
            "limit": size,
            "offset": offset,
            "has_more": offset + len(page.deals) < page.total,
        },
    }


@router.post(
    "/api/deals", **documented(schemas.DealCreated, 404, status=201), openapi_extra=json_body(CreateDealBody)
)
async def create_deal(principal: AdminDep, request: Request, session: SessionDep) -> shapes.DealCreated:
    body = parse_body(CreateDealBody, await read_json(request))
    deal = await deals.create_deal(
        session,
        principal,
        deals.NewDeal(
            body.producer_id, body.exporter_id, body.terms_public, body.terms_private, body.description
        ),
    )
    companies = await deals.names_of_companies(session, [deal.producer_id, deal.exporter_id])
    return {
        "message": "Deal created",
        "deal": shapes.created_deal(deal, companies, principal.actor.name),
    }


# S-27, S-28 -------------------------------------------------------------------------------------------------------


@router.get("/api/deals/{deal_id}", **documented(schemas.DealView, 403))
async def get_deal(deal_id: int, principal: PrincipalDep, session: SessionDep) -> shapes.DealView:
    opened = await deals.open_deal(session, principal, deal_id)
    return shapes.deal_view(opened.deal, opened.access, await deals.members_of(session, deal_id))


@router.post(
    "/api/deals/{deal_id}/members",
    **documented(schemas.MemberAdded, status=201),
    openapi_extra=json_body(AddMemberBody),
)
async def add_member(
    deal_id: int, principal: PrincipalDep, request: Request, session: SessionDep
) -> shapes.MemberAdded:
    opened, body = await _as_deal_admin(session, principal, deal_id, request, AddMemberBody)
    member = await deals.add_member(
        session,
        opened.deal,
        deals.NewMember(body.party_id, body.role_in_deal, body.party_type, body.permissions),
    )
    return {"message": "Member added", "member": shapes.new_member_item(member)}


@router.delete("/api/deals/{deal_id}/members/{member_id}", **documented(Message, 400, 403, 404))
async def remove_member(
    deal_id: int, member_id: int, principal: PrincipalDep, session: SessionDep
) -> dict[str, str]:
    """Δ 111: the counterpart of S-28, for the same callers."""
    opened = await deals.open_deal(session, principal, deal_id)
    require_deal_admin(opened.access)
    await deals.remove_member(session, opened.deal, member_id)
    return {"message": "Member removed"}


# S-29..S-32 -------------------------------------------------------------------------------------------------------


def _own_name(principal: Principal) -> dict[int, str]:
    """The author of what the caller just wrote (as the socket's messages name it: no second query)."""
    return {principal.id: principal.actor.name}


@router.get("/api/deals/{deal_id}/notes", **documented(list[schemas.NoteItem], 403))
async def list_notes(deal_id: int, principal: PrincipalDep, session: SessionDep) -> list[shapes.NoteItem]:
    """`?scope=` (sent by the first generation's web client) is ignored, as the contract says."""
    opened = await deals.open_deal(session, principal, deal_id)
    notes = await deal_talk.list_notes(session, principal, opened.deal, opened.access)
    return notes.shaped(shapes.note_item)


@router.post(
    "/api/deals/{deal_id}/notes",
    **documented(schemas.NoteAdded, status=201),
    openapi_extra=json_body(NoteBody),
)
async def add_note(
    deal_id: int, principal: PrincipalDep, request: Request, session: SessionDep
) -> shapes.NoteAdded:
    opened = await deals.open_deal(session, principal, deal_id)
    body = parse_body(NoteBody, await read_json(request))
    note = await deal_talk.add_note(
        session,
        principal,
        opened.deal,
        opened.access,
        body.content,
        deal_talk.parse_scope(body.scope),
        body.attachments,
    )
    return {"message": "Note added", "note": shapes.note_item(note, _own_name(principal))}


@router.get("/api/deals/{deal_id}/messages", **documented(list[schemas.MessageItem], 403))
async def list_messages(
    deal_id: int, principal: PrincipalDep, session: SessionDep
) -> list[shapes.MessageItem]:
    opened = await deals.open_deal(session, principal, deal_id)
    messages = await deal_talk.list_messages(session, opened.deal, opened.access)
    return messages.shaped(shapes.message_item)


@router.post(
    "/api/deals/{deal_id}/messages",
    **documented(schemas.MessageAdded, status=201),
    openapi_extra=json_body(MessageBody),
)
async def add_message(
    deal_id: int, principal: PrincipalDep, request: Request, session: SessionDep
) -> shapes.MessageAdded:
    opened = await deals.open_deal(session, principal, deal_id)
    body = parse_body(MessageBody, await read_json(request))
    message = await deal_talk.add_message(
        session, principal, opened.deal, opened.access, body.content, body.attachments
    )
    await request.app.state.deal_rooms.message_posted(message, principal.actor.name)
    return {"message": "Message sent", "msg": shapes.message_item(message, _own_name(principal))}


@router.get("/api/deals/{deal_id}/messages/search", **documented(schemas.SearchResult, 403))
async def search_messages(
    deal_id: int,
    principal: PrincipalDep,
    session: SessionDep,
    q: str | None = None,
    author_id: int | None = None,
    type: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    limit: int = 50,
) -> shapes.SearchResult:
    opened = await deals.open_deal(session, principal, deal_id)
    search = deal_talk.MessageSearch(
        q or None,
        author_id,
        type or None,
        parse_datetime_param("date_from", date_from),
        parse_datetime_param("date_to", date_to),
        _limit(limit),
    )
    found = await deal_talk.search_messages(session, opened.deal, opened.access, search)
    return {
        "query": q,
        "total_results": len(found.rows),
        "messages": found.shaped(shapes.found_message),
    }


# S-33, S-34 -------------------------------------------------------------------------------------------------------


@router.get("/api/deals/{deal_id}/finance", **documented(schemas.FinanceSheet, 403))
async def get_finance(deal_id: int, principal: PrincipalDep, session: SessionDep) -> shapes.FinanceSheet:
    opened = await deals.open_deal(session, principal, deal_id)
    require_deal_admin(opened.access)
    return shapes.finance_sheet(deal_id, await deals.finance_of(session, deal_id))


@router.post(
    "/api/deals/{deal_id}/finance", **documented(schemas.FinanceSaved), openapi_extra=json_body(FinanceBody)
)
async def save_finance(
    deal_id: int, principal: PrincipalDep, request: Request, session: SessionDep
) -> shapes.FinanceSaved:
    opened, body = await _as_deal_admin(session, principal, deal_id, request, FinanceBody)
    # only what the request carried changes; a null currency keeps the stored one
    fields = {name: getattr(body, name) for name in body.model_fields_set}
    if fields.get("currency", "") is None:
        del fields["currency"]
    finance = await deals.upsert_finance(session, opened.deal, deals.FinanceChange(fields))
    return {"message": "Finance saved", "finance": shapes.finance_sheet(deal_id, finance)}


# S-35, S-36, S-42 -------------------------------------------------------------------------------------------------


@router.get("/api/deals/{deal_id}/trace", **documented(schemas.TraceView, 403))
async def get_trace(deal_id: int, principal: PrincipalDep, session: SessionDep) -> shapes.TraceView:
    opened = await deals.open_deal(session, principal, deal_id)
    trace = await deal_trace.build_trace(session, opened.deal, opened.access)
    return shapes.trace_view(deal_id, trace)


def _link_events(raw_events: list[dict[str, Any]]) -> list[deal_trace.LinkEvent]:
    events = []
    for index, raw_event in enumerate(raw_events):
        try:
            event = parse_body(LinkEventBody, raw_event)
            if event.timestamp is not None:
                check_moment("timestamp", event.timestamp)  # nested: the body's bounds check stops at the top
        except (ApiError, OutOfBoundsError) as exc:
            raise bad_request(f"Invalid value for 'events[{index}]': {exc}") from exc
        events.append(deal_trace.LinkEvent(event.title, event.description, event.timestamp, event.type))
    return events


@router.post(
    "/api/deals/{deal_id}/trace",
    **documented(schemas.TraceLinkAdded, status=201),
    openapi_extra=json_body(TraceLinkBody),
)
async def add_trace_link(
    deal_id: int, principal: PrincipalDep, request: Request, session: SessionDep
) -> shapes.TraceLinkAdded:
    opened, body = await _as_deal_admin(session, principal, deal_id, request, TraceLinkBody)
    link = await deal_trace.add_link(
        session,
        opened.deal,
        deal_trace.NewLink(body.lote_ids or [], body.batch_ids or [], _link_events(body.events or [])),
    )
    return {"message": "Trace link created", "trace_link": shapes.trace_link_item(link)}


@router.get("/api/deals/{deal_id}/trace/filter", **documented(schemas.FilteredTrace, 403))
async def filter_trace(
    deal_id: int,
    principal: PrincipalDep,
    session: SessionDep,
    type: str | None = None,
    actor: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    entity_id: str | None = None,
) -> shapes.FilteredTrace:
    opened = await deals.open_deal(session, principal, deal_id)
    wanted = deal_trace.TraceFilter(
        type or None,
        actor or None,
        parse_datetime_param("date_from", date_from),
        parse_datetime_param("date_to", date_to),
        entity_id or None,
    )
    timeline = (await deal_trace.build_trace(session, opened.deal, opened.access)).timeline
    kept = [item for item in timeline if wanted.keeps(item)]
    return {
        "filter_stats": {
            "total_events": len(timeline),
            "filtered_events": len(kept),
            "applied_filters": wanted.applied(),
            "event_types": sorted({item.type for item in timeline}),
            "actors": sorted({item.actor for item in timeline if item.actor}),
        },
        "timeline": [shapes.timeline_entry(item) for item in kept],
    }


# S-41 -------------------------------------------------------------------------------------------------------------


@router.get(
    "/api/deals/{deal_id}/trace/export",
    response_class=Response,
    **binary("application/pdf", "the trace as a PDF attachment", 403),
)
async def export_trace(deal_id: int, principal: PrincipalDep, session: SessionDep) -> Response:
    opened = await deals.open_deal(session, principal, deal_id)
    deal = opened.deal
    trace = await deal_trace.build_trace(session, deal, opened.access)
    companies = await deals.names_of_companies(session, [deal.producer_id, deal.exporter_id])
    # imported on the first export, not at start: reportlab and Pillow are ~16 MiB a worker keeps (issue 16)
    from triboka_api.serializers import deal_pdf

    summary = deal_pdf.DealSummary(
        deal.deal_code,
        deal.status,
        *shapes.company_names(deal, companies),
        deal.description,
        deal.terms_public,
        deal.created_at,
    )
    now = utcnow()
    pdf = await to_thread.run_sync(deal_pdf.render_trace_pdf, summary, trace.timeline, now)
    name = f"trazabilidad_deal_{deal.id}_{now:%Y%m%d_%H%M%S}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
