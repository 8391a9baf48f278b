"""Deal notes and messages (S-29..S-32, S-40), filtered by the caller's scopes in the deal (Δ 102)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.access import DealAccess, Scope, require_deal_writer, scope_allowed
from triboka_api.domain.deals import names_of_users
from triboka_api.domain.errors import RuleViolationError
from triboka_api.domain.principal import Principal
from triboka_api.models import Deal, DealMessage, DealNote

MESSAGE_TYPES = ("text", "chat", "system", "file_upload")
Row = TypeVar("Row", DealNote, DealMessage)
Item = TypeVar("Item")


def parse_scope(raw: str | None) -> Scope:
    """A note's scope: absent is PUBLIC; anything but the three names is a 400 (S-30)."""
    if raw is None:
        return Scope.PUBLIC
    try:
        return Scope(raw)
    except ValueError as exc:
        raise RuleViolationError("scope must be PUBLIC, PARTES or SOLO_ADMIN") from exc


@dataclass(frozen=True)
class Authored(Generic[Row]):
    """Notes or messages with their authors' names."""

    rows: Sequence[Row]
    authors: dict[int, str]

    def shaped(self, shape: Callable[[Row, dict[int, str]], Item]) -> list[Item]:
        return [shape(row, self.authors) for row in self.rows]


async def _authored(session: AsyncSession, query: Select[Row]) -> Authored[Row]:
    rows = (await session.scalars(query)).all()
    return Authored(rows, await names_of_users(session, [r.author_id for r in rows]))


# S-29, S-30 -------------------------------------------------------------------------------------------------------


async def list_notes(
    session: AsyncSession, principal: Principal, deal: Deal, access: DealAccess
) -> Authored[DealNote]:
    """Newest first: the scopes the caller reads, and its own notes of any scope (S-29)."""
    mine_or_readable = or_(DealNote.scope.in_(access.scopes), DealNote.author_id == principal.id)
    return await _authored(
        session,
        select(DealNote)
        .where(DealNote.deal_id == deal.id, mine_or_readable)
        .order_by(DealNote.created_at.desc(), DealNote.id.desc()),
    )


async def add_note(
    session: AsyncSession,
    principal: Principal,
    deal: Deal,
    access: DealAccess,
    content: str,
    scope: Scope,
    attachments: list[Any] | None,
) -> DealNote:
    require_deal_writer(access)
    scope_allowed(access, scope)
    note = DealNote(
        deal_id=deal.id, author_id=principal.id, scope=scope.value, content=content, attachments=attachments
    )
    session.add(note)
    await session.commit()
    return note


# S-31, S-32 -------------------------------------------------------------------------------------------------------


def _visible_messages(deal: Deal, access: DealAccess) -> Select[DealMessage]:
    return select(DealMessage).where(DealMessage.deal_id == deal.id, DealMessage.scope.in_(access.scopes))


async def list_messages(session: AsyncSession, deal: Deal, access: DealAccess) -> Authored[DealMessage]:
    """Oldest first; a file-upload message only for those who may see its file (Δ 104)."""
    return await _authored(
        session, _visible_messages(deal, access).order_by(DealMessage.created_at, DealMessage.id)
    )


async def add_message(
    session: AsyncSession,
    principal: Principal,
    deal: Deal,
    access: DealAccess,
    content: str,
    attachments: list[Any] | None,
    message_type: str = "text",
) -> DealMessage:
    """S-32 (and the socket's `send_message`, `chat`): the caller must be able to write in the deal."""
    require_deal_writer(access)
    if not content.strip():
        raise RuleViolationError("Field 'content' is required")
    message = DealMessage(
        deal_id=deal.id,
        author_id=principal.id,
        content=content,
        message_type=message_type,
        scope=Scope.PUBLIC.value,
        attachments=attachments,
    )
    session.add(message)
    await session.commit()
    return message


# S-40 -------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageSearch:
    query: str | None
    author_id: int | None
    message_type: str | None
    date_from: datetime | None
    date_to: datetime | None
    limit: int


async def search_messages(
    session: AsyncSession, deal: Deal, access: DealAccess, search: MessageSearch
) -> Authored[DealMessage]:
    """Newest first; `q` matches the content case-insensitively (ILIKE on PostgreSQL, §9 #19)."""
    query = _visible_messages(deal, access)
    if search.query:
        query = query.where(DealMessage.content.icontains(search.query, autoescape=True))
    if search.author_id is not None:
        query = query.where(DealMessage.author_id == search.author_id)
    if search.message_type:
        query = query.where(DealMessage.message_type == search.message_type)
    if search.date_from is not None:
        query = query.where(DealMessage.created_at >= search.date_from)
    if search.date_to is not None:
        query = query.where(DealMessage.created_at <= search.date_to)
    return await _authored(
        session, query.order_by(DealMessage.created_at.desc(), DealMessage.id.desc()).limit(search.limit)
    )
