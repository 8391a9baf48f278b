"""S-50..S-53: B2B matching: producers and lots on offer, recommendations, contact requests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.api.deps import PrincipalDep, SessionDep, require_roles
from triboka_api.api.errors import bad_request
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.schemas.matching import (
    ContactInfo,
    ContactResponse,
    LotMatch,
    LotsResponse,
    MatchPagination,
    Preferences,
    ProducerMatch,
    ProducerRef,
    ProducersResponse,
    RecommendationItem,
    RecommendationsResponse,
)
from triboka_api.api.validation import RequestModel, parse_body, read_json
from triboka_api.domain import identity as identities
from triboka_api.domain import matching
from triboka_api.domain.identity import CompanyIdentity
from triboka_api.domain.lots import quality_score
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.models import ProducerLot
from triboka_api.serializers.common import certification_list, iso, num

router = APIRouter(tags=["matching"])

MatcherDep = Annotated[
    Principal, Depends(require_roles(Role.ADMIN, Role.OPERATOR, Role.EXPORTER, Role.BUYER))
]
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _certifications(request: Request) -> tuple[str, ...]:
    """`certifications` repeated (`?certifications=Organic&certifications=Fair Trade`) or comma-joined."""
    names = (
        part.strip() for raw in request.query_params.getlist("certifications") for part in raw.split(",")
    )
    return tuple(dict.fromkeys(name for name in names if name))


def _flag(name: str, raw: str | None, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    if raw.lower() not in _BOOLEANS:
        raise bad_request(f"Invalid value for '{name}': use true or false")
    return _BOOLEANS[raw.lower()]


async def _spot(request: Request, session: AsyncSession) -> float | None:
    """The latest market close (C-51's data), the estimate of a lot's price per metric ton; None without data."""
    quote = await request.app.state.price_provider.quote(session)
    return None if quote is None else quote.spot_usd_per_mt


async def _identities(session: AsyncSession, company_ids: Iterable[int | None]) -> dict[int, CompanyIdentity]:
    return await identities.company_identities(session, {i for i in company_ids if i is not None})


def _lot_match(lot: ProducerLot, spot: float | None, dids: dict[int, CompanyIdentity]) -> LotMatch:
    company = lot.producer_company
    did = dids.get(company.id, identities.NO_IDENTITY) if company else identities.NO_IDENTITY
    weight = num(lot.weight_kg)
    return LotMatch(
        id=lot.id,
        lot_code=lot.lot_code,
        producer_company=ProducerRef(
            id=company.id if company else None,
            name=company.name if company else None,
            has_did=did.has_did,
            reputation_score=did.reputation_score,
        ),
        location=lot.location,
        product_type=lot.product_type,
        weight_kg=weight,
        weight_mt=None if weight is None else weight / 1000,
        quality_grade=lot.quality_grade,
        quality_score=quality_score(lot.quality_grade),
        harvest_date=iso(lot.harvest_date),
        certifications=certification_list(lot.certifications),
        estimated_price_per_mt=spot,
        blockchain_lot_id=lot.blockchain_lot_id,
        created_at=iso(lot.created_at),
    )


@router.get("/api/match/producers", **documented(ProducersResponse, 400))
async def match_producers(
    _: MatcherDep,
    request: Request,
    session: SessionDep,
    location: str | None = None,
    certifications: Annotated[str | None, Query(description="repeatable, or comma-joined")] = None,
    min_volume: Annotated[float | None, Query(ge=0, description="MT")] = None,
    max_volume: Annotated[float | None, Query(ge=0, description="MT")] = None,
    quality_grade: str | None = None,
    product_type: str | None = None,
    available_now: Annotated[
        str | None, Query(description="true (default): only available lots count")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ProducersResponse:
    """S-50: producer companies with matching lots, grouped; see `domain/matching.py` for each filter."""
    filters = matching.LotFilters(
        location=location,
        certifications=_certifications(request),
        quality_grade=quality_grade,
        product_type=product_type,
    )
    now = _flag("available_now", available_now, True)
    page = matching.Page(limit, offset)
    offers, total = await matching.search_producers(
        session, filters, available_now=now, min_volume_mt=min_volume, max_volume_mt=max_volume, page=page
    )
    dids = await _identities(session, (offer.company.id for offer in offers))
    applied = filters.applied() | {"available_now": now}
    applied |= {
        k: v for k, v in {"min_volume": min_volume, "max_volume": max_volume}.items() if v is not None
    }
    return ProducersResponse(
        producers=[
            ProducerMatch(
                company_id=offer.company.id,
                company_name=offer.company.name,
                company_type=offer.company.company_type,
                location=offer.company.country,
                available_lots=offer.available_lots,
                total_volume_mt=offer.total_volume_mt,
                avg_quality_score=offer.avg_quality_score,
                has_did=dids.get(offer.company.id, identities.NO_IDENTITY).has_did,
                reputation_score=dids.get(offer.company.id, identities.NO_IDENTITY).reputation_score,
                certifications=list(offer.certifications),
                contact_info=ContactInfo(email=offer.contact_email, phone=None),
            )
            for offer in offers
        ],
        pagination=MatchPagination(**page.of(total)),
        filters_applied=applied,
    )


@router.get("/api/match/lots", **documented(LotsResponse, 400))
async def match_lots(
    _: MatcherDep,
    request: Request,
    session: SessionDep,
    producer_id: int | None = None,
    location: str | None = None,
    certifications: Annotated[str | None, Query(description="repeatable, or comma-joined")] = None,
    min_weight: Annotated[float | None, Query(ge=0, description="kg")] = None,
    max_weight: Annotated[float | None, Query(ge=0, description="kg")] = None,
    quality_grade: str | None = None,
    product_type: str | None = None,
    harvest_date_from: date | None = None,
    harvest_date_to: date | None = None,
    sort_by: Annotated[str, Query(description="harvest_date | weight_kg | quality_score")] = "harvest_date",
    sort_order: Annotated[str, Query(description="asc | desc")] = "desc",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> LotsResponse:
    """S-51: available lots with every filter of the contract, sorted and paged."""
    if sort_by not in set(matching.LotSort):
        raise bad_request("sort_by must be harvest_date, weight_kg or quality_score")
    if sort_order not in ("asc", "desc"):
        raise bad_request("sort_order must be asc or desc")
    filters = matching.LotFilters(
        location=location,
        certifications=_certifications(request),
        quality_grade=quality_grade,
        product_type=product_type,
        producer_id=producer_id,
        min_weight=min_weight,
        max_weight=max_weight,
        harvest_date_from=harvest_date_from,
        harvest_date_to=harvest_date_to,
    )
    page = matching.Page(limit, offset)
    lots, total = await matching.search_lots(
        session, filters, matching.LotSort(sort_by), sort_order == "desc", page
    )
    spot = await _spot(request, session)
    dids = await _identities(session, (lot.producer_company_id for lot in lots))
    return LotsResponse(
        lots=[_lot_match(lot, spot, dids) for lot in lots],
        pagination=MatchPagination(**page.of(total)),
        filters_applied=filters.applied() | {"sort_by": sort_by, "sort_order": sort_order},
    )


@router.get("/api/match/recommendations", **documented(RecommendationsResponse))
async def match_recommendations(
    _: PrincipalDep,
    request: Request,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> RecommendationsResponse:
    """S-52: available lots scored by the contract's formula (`domain.matching.recommendation_score`)."""
    found = await matching.recommendations(session, limit)
    spot = await _spot(request, session)
    dids = await _identities(session, (item.lot.producer_company_id for item in found))
    return RecommendationsResponse(
        recommendations=[
            RecommendationItem(
                lot=_lot_match(item.lot, spot, dids),
                recommendation_score=item.score,
                match_reasons=item.reasons,
            )
            for item in found
        ],
        total_recommendations=len(found),
        preferences_used=Preferences(
            preferred_certifications=list(matching.PREFERRED_CERTIFICATIONS),
            min_quality_score=matching.MIN_RECOMMENDED_QUALITY,
        ),
    )


class ContactBody(RequestModel):
    contact_type: str
    message: str | None = Field(default=None, max_length=matching.CONTACT_MESSAGE_MAX_CHARS)
    lot_ids: list[int] = Field(default_factory=list)


@router.post(
    "/api/match/contact/{producer_company_id}",
    openapi_extra=json_body(ContactBody),
    **documented(ContactResponse, 400, 404, others={201: ContactResponse}),
)
async def contact_producer(
    producer_company_id: int, principal: MatcherDep, request: Request, session: SessionDep
) -> JSONResponse:
    """S-53: the contact is recorded (Δ 163). `inquiry`: 200. `deal_proposal`: 201 and a draft deal between the
    producer and the caller's company, brokered by an admin (Δ 196): its `deal_id` and `deal_code`."""
    body = parse_body(ContactBody, await read_json(request))
    outcome = await matching.contact_producer(
        session, principal, producer_company_id, body.contact_type, body.message, body.lot_ids
    )
    proposal = body.contact_type == matching.ContactType.DEAL_PROPOSAL
    response = ContactResponse(
        message="Deal proposal recorded" if proposal else "Inquiry sent",
        contact_request_id=outcome.request.id,
        producer_company=outcome.producer.name,
        contact_type=body.contact_type,
        status="proposal_sent" if proposal else "sent",
        deal_id=outcome.deal.id if outcome.deal else None,
        deal_code=outcome.deal.deal_code if outcome.deal else None,
    )
    return JSONResponse(response.model_dump(), status_code=201 if proposal else 200)
