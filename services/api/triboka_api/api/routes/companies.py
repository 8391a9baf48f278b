"""C-12: every company, for forms and filters."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from triboka_api.api.deps import PrincipalDep, SessionDep
from triboka_api.api.openapi import documented
from triboka_api.api.schemas.accounts import CompanyItem
from triboka_api.models import Company

router = APIRouter(tags=["companies"])


@router.get("/api/companies", **documented(list[CompanyItem]))
async def list_companies(
    _: PrincipalDep, session: SessionDep, company_type: str | None = None
) -> list[dict[str, Any]]:
    """Δ 220: `company_type` keeps the companies of that type (exact match; empty means every company), so a
    form's producer list does not fetch every company."""
    query = select(Company).order_by(Company.id)
    if company_type:
        query = query.where(Company.company_type == company_type)
    companies = await session.scalars(query)
    return [
        {
            "id": c.id,
            "name": c.name,
            "country": c.country,
            "plan_type": None,
            "wallet_address": None,
            "is_active": c.is_active,
            "company_type": c.company_type,
            "email": c.email,
        }
        for c in companies
    ]
