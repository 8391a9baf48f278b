"""Deal room real time (§5.6 Socket.IO events), served by the API at `/socket.io` beside the REST routes.

A connection authenticates with a socket ticket (`auth: {"ticket": ...}`, Δ 112: a one-minute token for one deal
that `POST /api/realtime/ticket` issues, so browser pages never hold the session's access token) or, for other
clients, with the platform JWT (`auth: {"token": ...}` or an `Authorization: Bearer` header); the client-sent
`user_id` of the first generation is ignored. The credential is checked again on every event (a ticket's user,
token version and impersonator; its minute only bounds the connect), so a revoked token or a removed member stops
at once. Rooms: `deal_{id}` for every member who joined, plus
`deal_{id}:{SCOPE}` for each confidentiality level the member reads, so a file upload reaches only those who may
see it. Read-only impersonation tokens may listen but not send.

With `TRIBOKA_REDIS_URL` the server uses python-socketio's Redis manager, so an event emitted by one replica (a
message posted over REST included) reaches clients connected to any replica; without Redis it stays in-process.
Clients should use the WebSocket transport (long-polling needs sticky sessions across replicas and workers).
"""

from __future__ import annotations

import logging
from typing import Any

import socketio
from starlette.datastructures import State

from triboka_api.api.deps import check_impersonator, claims_principal, open_app_session, token_principal
from triboka_api.domain import deal_talk, deals
from triboka_api.domain.access import DealAccess, Scope
from triboka_api.domain.bounds import OutOfBoundsError, check_document, row_id
from triboka_api.domain.errors import DomainError
from triboka_api.domain.principal import Principal
from triboka_api.models import DealMessage
from triboka_api.security.tokens import SOCKET_AUDIENCE, TokenError, bearer_token, decode_socket_ticket
from triboka_api.settings import Settings

logger = logging.getLogger("triboka_api.realtime")
SOCKETIO_PATH = "socket.io"
CHANNEL = "triboka-deal-rooms"


class RefusedError(Exception):
    """An event the caller may not send; answered with the `error` event."""


def deal_room(deal_id: int) -> str:
    return f"deal_{deal_id}"


def scope_room(deal_id: int, scope: str) -> str:
    return f"deal_{deal_id}:{scope}"


def _credential(environ: dict[str, Any], auth: Any, jwt_secret: str) -> dict[str, Any]:
    """What the connection's session keeps to check the caller again at every event: the access token, or the
    ticket's claims (verified here, once: the ticket may expire while the connection lives)."""
    given = auth if isinstance(auth, dict) else {}
    ticket, token = given.get("ticket"), given.get("token")
    if isinstance(ticket, str):
        return {"claims": decode_socket_ticket(ticket, jwt_secret)}
    return {"token": token if isinstance(token, str) else bearer_token(environ.get("HTTP_AUTHORIZATION"))}


def message_event(message: DealMessage, author_name: str | None) -> dict[str, Any]:
    """`new_message` of §5.6."""
    return {
        "id": message.id,
        "deal_id": message.deal_id,
        "author_id": message.author_id,
        "author_name": author_name,
        "content": message.content,
        "attachments": message.attachments or [],
        "created_at": message.created_at.isoformat(),
        "message_type": "chat",
    }


class DealRooms:
    """The Socket.IO server and the emits the REST routes make (S-32 messages, S-37 uploads)."""

    def __init__(self, settings: Settings, state: State) -> None:
        manager = None
        if settings.redis_url is not None:
            manager = socketio.AsyncRedisManager(settings.redis_url.get_secret_value(), channel=CHANNEL)
        self.state = state
        self.jwt_secret = settings.jwt_secret.get_secret_value()
        self.server = socketio.AsyncServer(
            async_mode="asgi",
            client_manager=manager,
            cors_allowed_origins=list(settings.cors_origins),
            logger=False,
            engineio_logger=False,
        )
        self.asgi = socketio.ASGIApp(self.server, socketio_path=SOCKETIO_PATH)
        for name in ("connect", "join_deal", "leave_deal", "send_message", "typing_start", "typing_stop"):
            self.server.on(name, getattr(self, f"_on_{name}"))

    # emits from the REST routes ----------------------------------------------------------------------------------

    async def message_posted(self, message: DealMessage, author_name: str | None) -> None:
        await self._broadcast("new_message", message_event(message, author_name), deal_room(message.deal_id))

    async def file_uploaded(self, deal_id: int, scope: str, message: str, file: dict[str, Any]) -> None:
        await self._broadcast("file_uploaded", {"message": message, "file": file}, scope_room(deal_id, scope))

    async def _broadcast(self, event: str, data: dict[str, Any], room: str) -> None:
        """The write it announces is committed: a failed broadcast (Redis down) is logged, never a 5xx (Δ 43)."""
        try:
            await self.server.emit(event, data, room=room)
        except Exception:
            logger.warning("could not broadcast %s to %s", event, room, exc_info=True)

    # the connection and its events -------------------------------------------------------------------------------

    async def _principal(self, credential: dict[str, Any]) -> Principal:
        async with open_app_session(self.state, write=False) as session:
            if "claims" in credential:
                principal = await claims_principal(self.state, session, credential["claims"])
            else:
                principal = await token_principal(self.state, session, credential["token"])
            if principal.is_impersonating:
                await check_impersonator(self.state, session, principal.claims)
        return principal

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        try:
            credential = _credential(environ, auth, self.jwt_secret)
            principal = await self._principal(credential)
        except TokenError as exc:
            raise socketio.exceptions.ConnectionRefusedError(exc.msg) from exc
        await self.server.save_session(sid, credential | {"user_id": principal.id})

    async def _caller(self, sid: str) -> Principal:
        session = await self.server.get_session(sid)
        try:
            return await self._principal(session)
        except TokenError as exc:
            await self.server.disconnect(sid)
            raise RefusedError(exc.msg) from exc

    async def _opened(self, sid: str, data: Any) -> tuple[Principal, deals.OpenDeal]:
        principal = await self._caller(sid)
        raw = data.get("deal_id") if isinstance(data, dict) else None
        deal_id = row_id(str(raw)) if isinstance(raw, int | str) else None
        if deal_id is None:
            raise RefusedError("deal_id is required")
        bound = principal.claims.get("deal_id") if principal.claims.get("aud") == SOCKET_AUDIENCE else None
        if bound is not None and bound != deal_id:
            raise RefusedError("This ticket is for another deal")
        async with open_app_session(self.state, write=False) as session:
            return principal, await deals.open_deal(session, principal, deal_id)

    async def _guarded(self, sid: str, handler: Any, data: Any) -> None:
        try:
            await handler(sid, data)
        except (RefusedError, DomainError) as exc:
            await self.server.emit("error", {"message": getattr(exc, "message", str(exc))}, to=sid)

    async def _on_join_deal(self, sid: str, data: Any = None) -> None:
        await self._guarded(sid, self._join, data)

    async def _join(self, sid: str, data: Any) -> None:
        principal, opened = await self._opened(sid, data)
        deal_id = opened.deal.id
        await self.server.enter_room(sid, deal_room(deal_id))
        for scope in _scopes(opened.access):
            await self.server.enter_room(sid, scope_room(deal_id, scope))
        await self.server.emit("joined_room", {"deal_id": deal_id, "room": deal_room(deal_id)}, to=sid)
        name = principal.actor.name
        joined = {"user_id": principal.id, "user_name": name, "message": f"{name} se unió a la sala"}
        await self.server.emit("user_joined", joined, room=deal_room(deal_id), skip_sid=sid)

    async def _on_leave_deal(self, sid: str, data: Any = None) -> None:
        await self._guarded(sid, self._leave, data)

    async def _leave(self, sid: str, data: Any) -> None:
        principal = await self._caller(sid)
        deal_id = _joined_deal(self.server.rooms(sid), data)
        for room in [
            r
            for r in self.server.rooms(sid)
            if r == deal_room(deal_id) or r.startswith(f"{deal_room(deal_id)}:")
        ]:
            await self.server.leave_room(sid, room)
        name = principal.actor.name
        left = {"user_id": principal.id, "user_name": name, "message": f"{name} salió de la sala"}
        await self.server.emit("user_left", left, room=deal_room(deal_id))

    async def _on_send_message(self, sid: str, data: Any = None) -> None:
        await self._guarded(sid, self._send, data)

    async def _send(self, sid: str, data: Any) -> None:
        principal, opened = await self._opened(sid, data)
        if principal.is_impersonating:
            raise RefusedError("Impersonation tokens are read-only")
        content, attachments = data.get("content"), data.get("attachments")
        if not isinstance(content, str) or (attachments is not None and not isinstance(attachments, list)):
            raise RefusedError("content must be text and attachments a list")
        try:
            check_document({"content": content, "attachments": attachments})
        except OutOfBoundsError as exc:
            raise RefusedError(str(exc)) from exc
        async with open_app_session(self.state, write=True) as session:
            message = await deal_talk.add_message(
                session, principal, opened.deal, opened.access, content, attachments, message_type="chat"
            )
        await self.message_posted(message, principal.actor.name)
        await self.server.emit("message_sent", {"message_id": message.id}, to=sid)

    async def _on_typing_start(self, sid: str, data: Any = None) -> None:
        await self._guarded(sid, lambda s, d: self._typing(s, d, True), data)

    async def _on_typing_stop(self, sid: str, data: Any = None) -> None:
        await self._guarded(sid, lambda s, d: self._typing(s, d, False), data)

    async def _typing(self, sid: str, data: Any, typing: bool) -> None:
        principal = await self._caller(sid)
        deal_id = _joined_deal(self.server.rooms(sid), data)
        event = {"user_id": principal.id, "user_name": principal.actor.name, "is_typing": typing}
        await self.server.emit("user_typing", event, room=deal_room(deal_id), skip_sid=sid)


def _scopes(access: DealAccess) -> list[str]:
    return sorted(scope.value for scope in access.scopes if isinstance(scope, Scope))


def _joined_deal(rooms: list[str], data: Any) -> int:
    """Leave and typing events name a deal the connection joined (no database read needed)."""
    raw = data.get("deal_id") if isinstance(data, dict) else None
    deal_id = row_id(str(raw)) if isinstance(raw, int | str) else None
    if deal_id is None or deal_room(deal_id) not in rooms:
        raise RefusedError("Join the deal first")
    return deal_id
