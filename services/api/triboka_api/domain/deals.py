"""Deal rooms (§5.6): deals, their members and the private finance sheet. No HTTP here: refusals are domain
errors, values arrive already parsed. Notes and messages are in `deal_talk`, the trace in `deal_trace`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.access import DealAccess, DealRole, deal_access
from triboka_api.domain.codes import commit_unique, next_deal_code
from triboka_api.domain.errors import NotFoundError, RuleViolationError
from triboka_api.domain.principal import Principal
from triboka_api.models import Company, Deal, DealFinance, DealMember, User, utcnow

DEFAULT_VISIBILITY = {"public": ["admin", "producer", "exporter"], "private": ["admin"]}
# S-28: the roles a member may be given, and their default permissions
MEMBER_ROLES = (DealRole.PRODUCER, DealRole.EXPORTER, DealRole.OBSERVER)
MEMBER_PARTY_TYPES = ("company", "user")
DEFAULT_PERMISSIONS = {DealRole.OBSERVER: ["read"]}
PARTY_PERMISSIONS = ["read", "write"]


@dataclass(frozen=True)
class OpenDeal:
    """A deal as one caller sees it."""

    deal: Deal
    access: DealAccess


async def open_deal(session: AsyncSession, principal: Principal, deal_id: int) -> OpenDeal:
    """Every deal endpoint starts here: 404 when the deal is missing, then the deal-access rule (403)."""
    deal = await session.get(Deal, deal_id)
    if deal is None:
        raise NotFoundError("Deal")
    return OpenDeal(deal, await deal_access(session, principal, deal))


async def _names(
    session: AsyncSession, model: type[User] | type[Company], ids: Iterable[int | None]
) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(model.id, model.name).where(model.id.in_(wanted)))
    return {row.id: row.name for row in rows}


async def names_of_users(session: AsyncSession, user_ids: Iterable[int | None]) -> dict[int, str]:
    return await _names(session, User, user_ids)


async def names_of_companies(session: AsyncSession, company_ids: Iterable[int | None]) -> dict[int, str]:
    return await _names(session, Company, company_ids)


# S-25 -------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DealPage:
    deals: Sequence[Deal]
    total: int
    companies: dict[int, str]
    admins: dict[int, str]


async def list_deals(session: AsyncSession, status: str | None, limit: int, offset: int) -> DealPage:
    query = select(Deal)
    if status:
        query = query.where(Deal.status == status)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    deals = (
        await session.scalars(
            query.order_by(Deal.created_at.desc(), Deal.id.desc()).offset(offset).limit(limit)
        )
    ).all()
    companies = await names_of_companies(session, [c for d in deals for c in (d.producer_id, d.exporter_id)])
    admins = await names_of_users(session, [d.admin_id for d in deals])
    return DealPage(deals, total, companies, admins)


# S-26 -------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewDeal:
    producer_id: int
    exporter_id: int
    terms_public: dict[str, Any] | None
    terms_private: dict[str, Any] | None
    description: str | None


async def create_deal(session: AsyncSession, principal: Principal, new: NewDeal) -> Deal:
    """A draft deal brokered by the caller, with its producer and exporter companies as members."""
    return await open_draft_deal(session, principal.id, new)


async def open_draft_deal(session: AsyncSession, broker_id: int, new: NewDeal) -> Deal:
    """A draft deal brokered by the user `broker_id` (S-26, and S-53's deal proposal: Δ 196)."""
    for company_id, what in ((new.producer_id, "Producer company"), (new.exporter_id, "Exporter company")):
        if await session.get(Company, company_id) is None:
            raise NotFoundError(what)
    if new.producer_id == new.exporter_id:
        raise RuleViolationError("producer_id and exporter_id must be different companies")

    async def insert() -> Deal:
        now = utcnow()
        deal = Deal(
            deal_code=await next_deal_code(session, now.year),
            status="draft",
            admin_id=broker_id,
            producer_id=new.producer_id,
            exporter_id=new.exporter_id,
            terms_public=new.terms_public or {},
            terms_private=new.terms_private or {},
            visibility_rules=DEFAULT_VISIBILITY,
            description=new.description,
        )
        session.add(deal)
        await session.flush()
        for company_id, role in ((new.producer_id, DealRole.PRODUCER), (new.exporter_id, DealRole.EXPORTER)):
            session.add(
                DealMember(
                    deal_id=deal.id,
                    party_id=company_id,
                    party_type="company",
                    role_in_deal=role.value,
                    permissions=PARTY_PERMISSIONS,
                    status="active",
                    joined_at=now,
                )
            )
        return deal

    return await commit_unique(session, insert)


# S-27, S-28 -------------------------------------------------------------------------------------------------------


async def members_of(session: AsyncSession, deal_id: int) -> list[tuple[DealMember, str | None]]:
    """The members with the name of the company or user each names."""
    members = (
        await session.scalars(select(DealMember).where(DealMember.deal_id == deal_id).order_by(DealMember.id))
    ).all()
    companies = await names_of_companies(session, [m.party_id for m in members if m.party_type == "company"])
    users = await names_of_users(session, [m.party_id for m in members if m.party_type == "user"])
    return [(m, (companies if m.party_type == "company" else users).get(m.party_id)) for m in members]


@dataclass(frozen=True)
class NewMember:
    party_id: int
    role_in_deal: str
    party_type: str
    permissions: list[str] | None


async def add_member(session: AsyncSession, deal: Deal, new: NewMember) -> DealMember:
    if new.role_in_deal not in MEMBER_ROLES:
        raise RuleViolationError("role_in_deal must be producer, exporter or observer")
    if new.party_type not in MEMBER_PARTY_TYPES:
        raise RuleViolationError("party_type must be company or user")
    party = await session.get(Company if new.party_type == "company" else User, new.party_id)
    if party is None:
        raise NotFoundError("Company" if new.party_type == "company" else "User")
    if new.role_in_deal != DealRole.OBSERVER:
        taken = await session.scalar(
            select(DealMember.id).where(
                DealMember.deal_id == deal.id, DealMember.role_in_deal == new.role_in_deal
            )
        )
        if taken is not None:
            raise RuleViolationError(f"The deal already has a {new.role_in_deal}")
    duplicate = await session.scalar(
        select(DealMember.id).where(
            DealMember.deal_id == deal.id,
            DealMember.party_type == new.party_type,
            DealMember.party_id == new.party_id,
        )
    )
    if duplicate is not None:
        raise RuleViolationError("This party is already a member of the deal")
    role = DealRole(new.role_in_deal)
    member = DealMember(
        deal_id=deal.id,
        party_id=new.party_id,
        party_type=new.party_type,
        role_in_deal=role.value,
        permissions=new.permissions
        if new.permissions is not None
        else DEFAULT_PERMISSIONS.get(role, PARTY_PERMISSIONS),
        status="invited",
    )
    session.add(member)
    await session.commit()
    return member


async def remove_member(session: AsyncSession, deal: Deal, member_id: int) -> None:
    """Δ 111: a member added with S-28 leaves the deal (and with it the access it granted). The rows of the
    deal's own producer and exporter companies stay: their access comes from the deal itself, not from the row."""
    member = await session.get(DealMember, member_id)
    if member is None or member.deal_id != deal.id:
        raise NotFoundError("Member")
    if member.party_type == "company" and member.party_id in (deal.producer_id, deal.exporter_id):
        raise RuleViolationError("The deal's producer and exporter companies cannot be removed")
    await session.delete(member)
    await session.commit()


# S-33, S-34 -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FinanceChange:
    """Only the fields the request carried (`fields`) are changed."""

    fields: dict[str, Any]


def margins(costo: Decimal | None, precio: Decimal | None) -> tuple[Decimal, Decimal]:
    """`margen_abs = precio − costo`, `margen_pct = margen_abs / costo × 100`; both 0 when costo is missing or
    ≤ 0, or precio is missing (S-34)."""
    if costo is None or costo <= 0 or precio is None:
        return Decimal(0), Decimal(0)
    absolute = precio - costo
    percent = (absolute / costo * 100).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return percent, absolute


async def finance_of(session: AsyncSession, deal_id: int) -> DealFinance | None:
    return await session.scalar(select(DealFinance).where(DealFinance.deal_id == deal_id))


async def upsert_finance(session: AsyncSession, deal: Deal, change: FinanceChange) -> DealFinance:
    finance = await finance_of(session, deal.id)
    if finance is None:
        finance = DealFinance(deal_id=deal.id, currency="USD")
        session.add(finance)
    for name, value in change.fields.items():
        setattr(finance, name, value)
    finance.margen_pct, finance.margen_abs = margins(finance.costo_admin, finance.precio_admin)
    finance.updated_at = utcnow()
    await session.commit()
    return finance
