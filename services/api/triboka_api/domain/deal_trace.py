"""A deal's trace (S-35, S-36, S-42): links to lots and batches, and one timeline built from everything the deal
touches. Chain-less: no `blockchain_mint` items (§1.7). Titles are Spanish, as the first generation's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.access import DealAccess
from triboka_api.domain.deals import names_of_users
from triboka_api.domain.errors import RuleViolationError
from triboka_api.models import (
    BatchNft,
    ContractFixation,
    Deal,
    DealMessage,
    DealTraceLink,
    ExportContract,
    ProducerLot,
)


@dataclass(frozen=True)
class TimelineItem:
    id: str
    type: str
    title: str
    description: str | None
    timestamp: datetime
    actor: str | None
    icon: str
    color: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def entity_ids(self) -> set[str]:
        return {str(v) for k, v in self.metadata.items() if k.endswith("_id") and v is not None}


@dataclass(frozen=True)
class LinkEvent:
    title: str
    description: str | None = None
    timestamp: datetime | None = None
    type: str | None = None


@dataclass(frozen=True)
class NewLink:
    lote_ids: list[int]
    batch_ids: list[int]
    events: list[LinkEvent]


async def add_link(session: AsyncSession, deal: Deal, new: NewLink) -> DealTraceLink:
    """Links lots and batches (each must exist: 400 naming the first missing) and custom events to the deal."""
    for ids, model, what in ((new.lote_ids, ProducerLot, "lot"), (new.batch_ids, BatchNft, "batch")):
        found = set(await session.scalars(select(model.id).where(model.id.in_(ids)))) if ids else set()
        missing = [i for i in ids if i not in found]
        if missing:
            raise RuleViolationError(f"Unknown {what} id {missing[0]}")
    if not (new.lote_ids or new.batch_ids or new.events):
        raise RuleViolationError("Give lote_ids, batch_ids or events")
    link = DealTraceLink(
        deal_id=deal.id,
        lote_ids=new.lote_ids,
        batch_ids=new.batch_ids,
        events=[
            {
                "title": e.title,
                "description": e.description,
                "timestamp": e.timestamp.isoformat() if e.timestamp else None,
                "type": e.type or "custom",
            }
            for e in new.events
        ],
    )
    session.add(link)
    await session.commit()
    return link


async def links_of(session: AsyncSession, deal_id: int) -> Sequence[DealTraceLink]:
    return (
        await session.scalars(
            select(DealTraceLink).where(DealTraceLink.deal_id == deal_id).order_by(DealTraceLink.id)
        )
    ).all()


def _ids(links: Sequence[DealTraceLink], attribute: str) -> list[int]:
    seen: dict[int, None] = {}
    for link in links:
        for value in getattr(link, attribute) or []:
            if isinstance(value, int):
                seen[value] = None
    return list(seen)


@dataclass(frozen=True)
class Trace:
    timeline: list[TimelineItem]
    links: Sequence[DealTraceLink]
    lot_count: int
    batch_count: int
    contract_count: int


def _lot_items(lot: ProducerLot) -> list[TimelineItem]:
    meta = {"lot_id": lot.id, "lot_code": lot.lot_code}
    items = [
        TimelineItem(
            f"lot_created_{lot.id}",
            "lot_created",
            f"Lote {lot.lot_code} registrado",
            f"{lot.farm_name or ''} · {float(lot.weight_kg or 0):g} kg".strip(" ·"),
            lot.created_at,
            None,
            "seedling",
            "green",
            meta,
        )
    ]
    if lot.harvest_date is not None:
        items.append(
            TimelineItem(
                f"lot_harvest_{lot.id}",
                "harvest",
                f"Cosecha del lote {lot.lot_code}",
                lot.location,
                lot.harvest_date,
                None,
                "leaf",
                "green",
                meta,
            )
        )
    if lot.purchase_date is not None:
        items.append(
            TimelineItem(
                f"lot_purchase_{lot.id}",
                "purchase",
                f"Compra del lote {lot.lot_code}",
                None,
                lot.purchase_date,
                None,
                "cart",
                "blue",
                meta,
            )
        )
    return items


async def _contract_items(session: AsyncSession, deal: Deal) -> tuple[list[TimelineItem], int]:
    """Contracts between the deal's two companies, either way round (from-lots contracts invert them, §9 #11),
    and their fixations."""
    if deal.producer_id is None or deal.exporter_id is None:
        return [], 0
    pair = (deal.producer_id, deal.exporter_id)
    contracts = (
        await session.scalars(
            select(ExportContract).where(
                or_(
                    and_(
                        ExportContract.buyer_company_id == pair[0],
                        ExportContract.exporter_company_id == pair[1],
                    ),
                    and_(
                        ExportContract.buyer_company_id == pair[1],
                        ExportContract.exporter_company_id == pair[0],
                    ),
                )
            )
        )
    ).all()
    items = [
        TimelineItem(
            f"contract_{c.id}",
            "contract",
            f"Contrato {c.contract_code}",
            f"{float(c.total_volume_mt):g} MT · {c.status}",
            c.created_at,
            None,
            "file-text",
            "purple",
            {"contract_id": c.id},
        )
        for c in contracts
    ]
    fixations = (
        await session.scalars(
            select(ContractFixation).where(ContractFixation.export_contract_id.in_([c.id for c in contracts]))
        )
    ).all()
    codes = {c.id: c.contract_code for c in contracts}
    items += [
        TimelineItem(
            f"fixation_{f.id}",
            "fixation",
            f"Fijación de precio del contrato {codes[f.export_contract_id]}",
            f"{float(f.fixed_quantity_mt):g} MT a {float(f.spot_price_usd):g} USD",
            f.fixation_date,
            None,
            "dollar-sign",
            "orange",
            {"contract_id": f.export_contract_id, "fixation_id": f.id},
        )
        for f in fixations
    ]
    return items, len(contracts)


async def build_trace(session: AsyncSession, deal: Deal, access: DealAccess) -> Trace:
    links = await links_of(session, deal.id)
    names = await names_of_users(session, [deal.admin_id])
    items = [
        TimelineItem(
            f"deal_created_{deal.id}",
            "deal_created",
            f"Negociación {deal.deal_code} creada",
            deal.description,
            deal.created_at,
            names.get(deal.admin_id),
            "handshake",
            "blue",
            {"deal_id": deal.id},
        )
    ]
    lot_ids, batch_ids = _ids(links, "lote_ids"), _ids(links, "batch_ids")
    lots = (
        (await session.scalars(select(ProducerLot).where(ProducerLot.id.in_(lot_ids)))).all()
        if lot_ids
        else []
    )
    for lot in lots:
        items += _lot_items(lot)
    batches = (
        (await session.scalars(select(BatchNft).where(BatchNft.id.in_(batch_ids)))).all() if batch_ids else []
    )
    items += [
        TimelineItem(
            f"batch_{b.id}",
            "batch_created",
            f"Lote de exportación {b.batch_code} creado",
            f"{float(b.total_weight_kg):g} kg",
            b.created_at,
            None,
            "package",
            "brown",
            {"batch_id": b.id},
        )
        for b in batches
    ]
    for link in links:
        for index, event in enumerate(link.events or []):
            stamp = event.get("timestamp")
            items.append(
                TimelineItem(
                    f"link_{link.id}_{index}",
                    str(event.get("type") or "custom"),
                    str(event.get("title")),
                    event.get("description"),
                    datetime.fromisoformat(stamp) if stamp else link.created_at,
                    None,
                    "link",
                    "gray",
                    {"trace_link_id": link.id},
                )
            )
    contract_items, contract_count = await _contract_items(session, deal)
    items += contract_items
    messages = (
        await session.scalars(
            select(DealMessage).where(
                DealMessage.deal_id == deal.id,
                DealMessage.message_type.in_(("system", "file_upload")),
                DealMessage.scope.in_(access.scopes),
            )
        )
    ).all()
    authors = await names_of_users(session, [m.author_id for m in messages])
    items += [
        TimelineItem(
            f"message_{m.id}",
            m.message_type,
            "Archivo subido" if m.message_type == "file_upload" else "Evento del sistema",
            m.content,
            m.created_at,
            authors.get(m.author_id),
            "paperclip" if m.message_type == "file_upload" else "info",
            "gray",
            {"message_id": m.id},
        )
        for m in messages
    ]
    items.sort(key=lambda item: (item.timestamp, item.id))
    return Trace(items, links, len(lots), len(batches), contract_count)


@dataclass(frozen=True)
class TraceFilter:
    type: str | None = None
    actor: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    entity_id: str | None = None

    def applied(self) -> dict[str, Any]:
        return {
            name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in vars(self).items()
            if value not in (None, "")
        }

    def keeps(self, item: TimelineItem) -> bool:
        return (
            (not self.type or item.type == self.type)
            and (not self.actor or (item.actor or "").lower().find(self.actor.lower()) >= 0)
            and (self.date_from is None or item.timestamp >= self.date_from)
            and (self.date_to is None or item.timestamp <= self.date_to)
            and (not self.entity_id or self.entity_id in item.entity_ids)
        )
