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
async def list_companies(_: PrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    companies = await session.scalars(select(Company).order_by(Company.id))
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
