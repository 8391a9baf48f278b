"""B2B matching (S-50..S-53): producers and lots on offer, recommendations, contact requests.

Every search reads available lots (S-50 may widen to every status with `available_now=false`); text filters are
case-insensitive substrings, `certifications` (repeatable) requires each named certification on the lot, and
quality follows the grade map of §4.5. A producer company `has_did` when one of its users has an active DID; its
`reputation_score` is the best of those DIDs' and the "+15 for a verified producer DID" of S-52 applies when one is
KYC-verified (`domain.identity.company_identities`, Δ 188).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.deals import NewDeal, open_draft_deal
from triboka_api.domain.errors import NotFoundError, RuleViolationError
from triboka_api.domain.identity import NO_IDENTITY, company_identities
from triboka_api.domain.lots import DEFAULT_QUALITY_SCORE, LOT_AVAILABLE, QUALITY_SCORES, quality_score
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.models import Company, ContactRequest, Deal, ProducerLot, User

PREFERRED_CERTIFICATIONS = ("Organic", "Fair Trade")
MIN_RECOMMENDED_QUALITY = 80.0
# S-53's message (Δ 221): a note to a producer, which also becomes a proposal's deal description; far below the
# generic text bound (10,000) so a contact cannot carry a document
CONTACT_MESSAGE_MAX_CHARS = 2_000


class ContactType(StrEnum):
    INQUIRY = "inquiry"
    DEAL_PROPOSAL = "deal_proposal"


class LotSort(StrEnum):
    HARVEST_DATE = "harvest_date"
    WEIGHT_KG = "weight_kg"
    QUALITY_SCORE = "quality_score"


@dataclass(frozen=True)
class LotFilters:
    """The filters S-50 and S-51 share (weights in kg; S-50's volumes are applied per producer)."""

    location: str | None = None
    certifications: tuple[str, ...] = ()
    quality_grade: str | None = None
    product_type: str | None = None
    producer_id: int | None = None
    min_weight: float | None = None
    max_weight: float | None = None
    harvest_date_from: date | None = None
    harvest_date_to: date | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        lot = ProducerLot
        conditions: list[ColumnElement[bool]] = []
        if self.location:
            conditions.append(lot.location.icontains(self.location, autoescape=True))
        if self.quality_grade:
            conditions.append(lot.quality_grade == self.quality_grade)
        if self.product_type:
            conditions.append(lot.product_type.icontains(self.product_type, autoescape=True))
        if self.producer_id is not None:
            conditions.append(lot.producer_company_id == self.producer_id)
        if self.min_weight is not None:
            conditions.append(lot.weight_kg >= self.min_weight)
        if self.max_weight is not None:
            conditions.append(lot.weight_kg <= self.max_weight)
        if self.harvest_date_from is not None:
            conditions.append(lot.harvest_date >= datetime.combine(self.harvest_date_from, time.min))
        if self.harvest_date_to is not None:
            conditions.append(lot.harvest_date <= datetime.combine(self.harvest_date_to, time.max))
        conditions += [lot.certifications.icontains(name, autoescape=True) for name in self.certifications]
        return conditions

    def applied(self) -> dict[str, Any]:
        """`filters_applied`: the filters that were given, as the API read them."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return {
            name: (
                value.isoformat()
                if isinstance(value, date)
                else list(value)
                if isinstance(value, tuple)
                else value
            )
            for name, value in values.items()
            if value not in (None, "", ())
        }


# the grade map of §4.5 in SQL, for sorting by quality (a lot without a grade has no score: last)
_QUALITY_SQL = case(
    (ProducerLot.quality_grade.is_(None), None),
    *((ProducerLot.quality_grade == grade, score) for grade, score in QUALITY_SCORES.items()),
    else_=DEFAULT_QUALITY_SCORE,
)
_SORT_COLUMNS = {
    LotSort.HARVEST_DATE: ProducerLot.harvest_date,
    LotSort.WEIGHT_KG: ProducerLot.weight_kg,
    LotSort.QUALITY_SCORE: _QUALITY_SQL,
}


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int

    def of(self, total: int) -> dict[str, Any]:
        return {
            "total": total,
            "limit": self.limit,
            "offset": self.offset,
            "has_more": self.offset + self.limit < total,
        }


async def search_lots(
    session: AsyncSession, filters: LotFilters, sort: LotSort, descending: bool, page: Page
) -> tuple[list[ProducerLot], int]:
    """S-51: available lots, filtered, sorted (nulls last, then id) and paged; with the total before paging."""
    where = [ProducerLot.status == LOT_AVAILABLE, *filters.conditions()]
    total = await session.scalar(select(func.count()).select_from(ProducerLot).where(*where)) or 0
    column = _SORT_COLUMNS[sort]
    order = column.desc().nulls_last() if descending else column.asc().nulls_last()
    lots = await session.scalars(
        select(ProducerLot)
        .where(*where)
        .order_by(order, ProducerLot.id.desc() if descending else ProducerLot.id)
        .offset(page.offset)
        .limit(page.limit)
    )
    return list(lots), total


@dataclass
class ProducerOffer:
    """One producer company of S-50 and what it has on offer."""

    company: Company
    available_lots: int = 0
    total_weight_kg: float = 0.0
    quality_scores: list[float] = field(default_factory=list)
    certifications: dict[str, None] = field(default_factory=dict)  # ordered set
    contact_email: str | None = None

    @property
    def total_volume_mt(self) -> float:
        return round(self.total_weight_kg / 1000, 3)

    @property
    def avg_quality_score(self) -> float | None:
        scores = self.quality_scores
        return round(sum(scores) / len(scores), 2) if scores else None


def _producer_query(filters: LotFilters, available_now: bool) -> Select[ProducerLot, Company]:
    conditions = replace(filters, location=None).conditions()
    if filters.location:  # S-50's location is the producer's too: the lot's place or the company's country
        conditions.append(
            or_(
                ProducerLot.location.icontains(filters.location, autoescape=True),
                Company.country.icontains(filters.location, autoescape=True),
            )
        )
    query = (
        select(ProducerLot, Company)
        .join(Company, Company.id == ProducerLot.producer_company_id)
        .where(*conditions)
        .order_by(Company.id, ProducerLot.id)
    )
    return query.where(ProducerLot.status == LOT_AVAILABLE) if available_now else query


async def search_producers(
    session: AsyncSession,
    filters: LotFilters,
    *,
    available_now: bool,
    min_volume_mt: float | None,
    max_volume_mt: float | None,
    page: Page,
) -> tuple[list[ProducerOffer], int]:
    """S-50: the matching lots grouped by producer company; volumes bound each producer's total; ordered by
    available lots, then volume (both descending), then company id."""
    offers: dict[int, ProducerOffer] = {}
    for lot, company in (await session.execute(_producer_query(filters, available_now))).all():
        offer = offers.setdefault(company.id, ProducerOffer(company=company))
        offer.available_lots += lot.status == LOT_AVAILABLE
        offer.total_weight_kg += float(lot.weight_kg or 0)
        if (score := quality_score(lot.quality_grade)) is not None:
            offer.quality_scores.append(score)
        for name in (part.strip() for part in (lot.certifications or "").split(",")):
            if name:
                offer.certifications[name] = None
    kept = [
        offer
        for offer in offers.values()
        if (min_volume_mt is None or offer.total_volume_mt >= min_volume_mt)
        and (max_volume_mt is None or offer.total_volume_mt <= max_volume_mt)
    ]
    kept.sort(key=lambda o: (-o.available_lots, -o.total_weight_kg, o.company.id))
    shown = kept[page.offset : page.offset + page.limit]
    emails = await _first_user_emails(session, [offer.company.id for offer in shown])
    for offer in shown:
        offer.contact_email = emails.get(offer.company.id)
    return shown, len(kept)


async def _first_user_emails(session: AsyncSession, company_ids: Iterable[int]) -> dict[int, str]:
    """The e-mail of each company's first user (lowest id), the contact S-50 shows."""
    first = (
        select(User.company_id, func.min(User.id).label("user_id"))
        .where(User.company_id.in_(list(company_ids)))
        .group_by(User.company_id)
        .subquery()
    )
    rows = await session.execute(
        select(first.c.company_id, User.email).join(User, User.id == first.c.user_id)
    )
    return {company_id: email for company_id, email in rows.all()}


@dataclass(frozen=True)
class Recommendation:
    lot: ProducerLot
    score: int
    reasons: list[str]


def recommendation_score(
    quality: float | None, certifications: list[str], verified_did: bool
) -> tuple[int, list[str]] | None:
    """S-52's score, or None when the lot does not meet the fixed preferences (a preferred certification and
    quality ≥ 80): 50, +20 for quality ≥ 90 (else +10 for ≥ 80), +10 per preferred certification, +15 for a
    verified producer DID, capped at 100."""
    preferred = [name for name in PREFERRED_CERTIFICATIONS if name in certifications]
    if quality is None or quality < MIN_RECOMMENDED_QUALITY or not preferred:
        return None
    score, reasons = 50, []
    if quality >= 90:
        score += 20
        reasons.append(f"Excellent quality ({quality:g})")
    else:
        score += 10
        reasons.append(f"Good quality ({quality:g})")
    for name in preferred:
        score += 10
        reasons.append(f"Certified {name}")
    if verified_did:
        score += 15
        reasons.append("Verified producer identity (DID)")
    return min(score, 100), reasons


async def recommendations(session: AsyncSession, limit: int) -> list[Recommendation]:
    """S-52: available lots meeting the preferences, best score first (then quality, then newest id)."""
    good_grades = [grade for grade, score in QUALITY_SCORES.items() if score >= MIN_RECOMMENDED_QUALITY]
    lots = await session.scalars(
        select(ProducerLot).where(
            ProducerLot.status == LOT_AVAILABLE,
            ProducerLot.quality_grade.in_(good_grades),
            or_(
                *(ProducerLot.certifications.icontains(n, autoescape=True) for n in PREFERRED_CERTIFICATIONS)
            ),
        )
    )
    found = []
    candidates = list(lots)
    dids = await company_identities(
        session, {lot.producer_company_id for lot in candidates if lot.producer_company_id}
    )
    for lot in candidates:
        names = [part.strip() for part in (lot.certifications or "").split(",")]
        company = lot.producer_company_id
        verified = company is not None and dids.get(company, NO_IDENTITY).verified
        scored = recommendation_score(quality_score(lot.quality_grade), names, verified_did=verified)
        if scored is not None:
            found.append(Recommendation(lot=lot, score=scored[0], reasons=scored[1]))
    found.sort(key=lambda r: (-r.score, -(quality_score(r.lot.quality_grade) or 0), -r.lot.id))
    return found[:limit]


@dataclass(frozen=True)
class ContactOutcome:
    request: ContactRequest
    producer: Company
    deal: Deal | None = None


async def _broker(session: AsyncSession) -> int | None:
    """The deal rooms' broker for a proposal: the longest-standing active admin."""
    return await session.scalar(
        select(User.id).where(User.role == Role.ADMIN, User.active).order_by(User.id).limit(1)
    )


async def _draft_deal(session: AsyncSession, request: ContactRequest, producer: Company) -> Deal | None:
    """S-53 `deal_proposal` (Δ 196): a draft deal between the producer and the requester's company (the deal
    room's buying side), brokered by an admin; none when the platform has no active admin yet."""
    broker = await _broker(session)
    if broker is None:
        return None
    return await open_draft_deal(
        session,
        broker,
        NewDeal(
            producer_id=producer.id,
            exporter_id=request.from_company_id,
            terms_public={"contact_request_id": request.id, "lot_ids": request.lot_ids or []},
            terms_private=None,
            description=request.message,
        ),
    )


async def contact_producer(
    session: AsyncSession,
    principal: Principal,
    producer_company_id: int,
    contact_type: str,
    message: str | None,
    lot_ids: list[int],
) -> ContactOutcome:
    """S-53: record the contact. Order: unknown company 404 → caller without a company 400 (Δ, ORIG 500) →
    contact type 400 → a proposal to one's own company 400 → lots 400 (each must be available and the
    producer's). A `deal_proposal` then opens a draft deal (Δ 196)."""
    producer = await session.get(Company, producer_company_id)
    if producer is None:
        raise NotFoundError("Company")
    if principal.company_id is None:
        raise RuleViolationError("Contacting a producer requires a user with a company")
    if contact_type not in set(ContactType):
        raise RuleViolationError("contact_type must be 'inquiry' or 'deal_proposal'")
    proposal = contact_type == ContactType.DEAL_PROPOSAL
    if proposal and producer_company_id == principal.company_id:
        raise RuleViolationError("A deal proposal needs another company than your own")
    wanted = list(dict.fromkeys(lot_ids))
    if wanted:
        offered = set(
            await session.scalars(
                select(ProducerLot.id).where(
                    ProducerLot.id.in_(wanted),
                    and_(
                        ProducerLot.status == LOT_AVAILABLE,
                        ProducerLot.producer_company_id == producer_company_id,
                    ),
                )
            )
        )
        if offered != set(wanted):
            raise RuleViolationError("Every lot must be available and belong to this producer")
    request = ContactRequest(
        from_company_id=principal.company_id,
        from_user_id=principal.id,
        producer_company_id=producer_company_id,
        contact_type=contact_type,
        message=message,
        lot_ids=wanted or None,
    )
    session.add(request)
    await session.commit()
    deal = await _draft_deal(session, request, producer) if proposal else None
    return ContactOutcome(request=request, producer=producer, deal=deal)
