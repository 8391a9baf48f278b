"""S-50..S-53: B2B matching answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class MatchPagination(BaseModel):
    total: int
    limit: int
    offset: int
    has_more: bool


class ContactInfo(BaseModel):
    email: str | None
    phone: None


class ProducerMatch(BaseModel):
    company_id: int
    company_name: str
    company_type: str | None
    location: str | None
    available_lots: int
    total_volume_mt: float
    avg_quality_score: float | None
    has_did: bool
    reputation_score: float | None
    certifications: list[str]
    contact_info: ContactInfo


class ProducersResponse(BaseModel):
    producers: list[ProducerMatch]
    pagination: MatchPagination
    filters_applied: dict[str, Any]


class ProducerRef(BaseModel):
    id: int | None
    name: str | None
    has_did: bool
    reputation_score: float | None


class LotMatch(BaseModel):
    id: int
    lot_code: str
    producer_company: ProducerRef
    location: str | None
    product_type: str | None
    weight_kg: float | None
    weight_mt: float | None
    quality_grade: str | None
    quality_score: float | None
    harvest_date: str | None
    certifications: list[str]
    estimated_price_per_mt: float | None
    blockchain_lot_id: str | None
    created_at: str | None


class LotsResponse(BaseModel):
    lots: list[LotMatch]
    pagination: MatchPagination
    filters_applied: dict[str, Any]


class RecommendationItem(BaseModel):
    lot: LotMatch
    recommendation_score: int
    match_reasons: list[str]


class Preferences(BaseModel):
    preferred_certifications: list[str]
    min_quality_score: float


class RecommendationsResponse(BaseModel):
    recommendations: list[RecommendationItem]
    total_recommendations: int
    preferences_used: Preferences


class ContactResponse(BaseModel):
    """`inquiry` answers 200, `deal_proposal` 201 (Δ 163), both in this shape."""

    message: str
    contact_request_id: int
    producer_company: str
    contact_type: str
    status: str
    deal_id: int | None = None
    deal_code: str | None = None
