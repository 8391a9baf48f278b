"""Δ 112: socket tickets. A browser page listens to a deal room with a one-minute ticket for that deal, never with
the session's access token (which the page's script would otherwise hold); the web service asks for one when it
renders the room and whenever the page's socket reconnects."""

from __future__ import annotations

from fastapi import APIRouter, Request

from triboka_api.api.deps import ImpersonationAwareDep, SessionDep, SettingsDep, check_impersonator
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.schemas.deals import SocketTicket
from triboka_api.api.validation import RequestModel, parse_body, read_json
from triboka_api.domain import deals
from triboka_api.security.tokens import SOCKET_TICKET_SECONDS, issue_socket_ticket

router = APIRouter(tags=["deals"])


class TicketBody(RequestModel):
    deal_id: int


@router.post(
    "/api/realtime/ticket", **documented(SocketTicket, 403, 404), openapi_extra=json_body(TicketBody)
)
async def socket_ticket(
    request: Request, principal: ImpersonationAwareDep, session: SessionDep, settings: SettingsDep
) -> SocketTicket:
    """For the deal's members (the deal-access rule). A read-only impersonation token gets one too: it may listen,
    and the ticket carries its claims, so the socket refuses it every write as it refuses the token."""
    if principal.is_impersonating:
        await check_impersonator(request.app.state, session, principal.claims)
    body = parse_body(TicketBody, await read_json(request))
    await deals.open_deal(session, principal, body.deal_id)
    ticket = issue_socket_ticket(settings.jwt_secret.get_secret_value(), principal.claims, body.deal_id)
    return {"ticket": ticket, "expires_in": SOCKET_TICKET_SECONDS}
