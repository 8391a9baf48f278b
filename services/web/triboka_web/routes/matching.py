"""B2B matching (S-50..S-53): search producers and lots on offer, the API's recommendations, contact a producer."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from triboka_web.api_client import ApiClient, ApiError
from triboka_web.auth import SessionUser, allowed_to
from triboka_web.dependencies import Api
from triboka_web.flash import flash
from triboka_web.forms import ContactForm, api_refusal, parse_form
from triboka_web.i18n import _
from triboka_web.pagination import PER_PAGE, Page
from triboka_web.roles import Action
from triboka_web.templating import render
from triboka_web.urls import path_for, redirect_to

router = APIRouter()
MatchUser = Annotated[SessionUser, Depends(allowed_to(Action.MATCH))]

# the query parameters each search passes through to the API, which validates them (contract §5.8)
COMMON = ("location", "certifications", "quality_grade", "product_type")
SEARCHES: dict[str, tuple[str, ...]] = {
    "producers": (*COMMON, "min_volume", "max_volume", "available_now"),
    "lots": (
        *COMMON,
        "producer_id",
        "min_weight",
        "max_weight",
        "harvest_date_from",
        "harvest_date_to",
        "sort_by",
        "sort_order",
    ),
}
RECOMMENDATIONS = 10


async def _search(
    api: ApiClient, kind: str, filters: dict[str, str], page: int
) -> tuple[Page[Any], str | None]:
    """One page of the search, or the API's refusal of a filter (shown above the empty results)."""
    try:
        found = await api.get(f"/api/match/{kind}", **filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    except ApiError as exc:
        return Page([], page, False), api_refusal(exc)
    counts = found["pagination"]
    pages = max(1, -(-counts["total"] // PER_PAGE))
    return Page(found[kind], page, counts["has_more"], pages, counts["total"]), None


def _producers(found: Page[Any], kind: str, recommended: list[dict[str, Any]]) -> dict[int, str]:
    """The producers on the page, the ones the contact form offers."""
    companies = [(p["company_id"], p["company_name"]) for p in found.items] if kind == "producers" else []
    lots = [*(found.items if kind == "lots" else []), *(r["lot"] for r in recommended)]
    companies += [(lot["producer_company"]["id"], lot["producer_company"]["name"]) for lot in lots]
    return {company_id: name for company_id, name in companies if company_id is not None}


@router.get("/matching", name="matching")
async def matching(
    request: Request, api: Api, user: MatchUser, search: str = "lots", page: int = 1
) -> Response:
    kind = search if search in SEARCHES else "lots"
    page = max(1, page)
    filters = {name: request.query_params.get(name, "").strip() for name in SEARCHES[kind]}
    filters = {name: value for name, value in filters.items() if value}
    (found, error), recommended = await asyncio.gather(
        _search(api, kind, filters, page), api.get("/api/match/recommendations", limit=RECOMMENDATIONS)
    )
    context = {
        "search": kind,
        "filters": filters,
        "found": found,
        "error": error,
        "recommendations": recommended["recommendations"],
        "producers": _producers(found, kind, recommended["recommendations"]),
    }
    return render(request, "matching/page.html", context, status_code=400 if error else 200)


@router.post("/matching/contact", name="matching_contact")
async def contact(request: Request, api: Api, user: MatchUser) -> Response:
    """S-53. A `deal_proposal` opens a draft deal: the flash names it and links to its room."""
    form = parse_form(ContactForm, await request.form(), lists=("lot_ids",)).model
    if form is None or form.producer_company_id is None:
        refusal = _("Enter a valid value.") if form is None else _("Choose a producer to contact.")
        flash(request, refusal, "danger")
        return redirect_to(request, "matching")
    try:
        answer = await api.post(f"/api/match/contact/{form.producer_company_id}", form.payload())
    except ApiError as exc:
        flash(request, api_refusal(exc), "danger")
        return redirect_to(request, "matching")
    if answer.get("deal_id"):
        room = path_for(request, "deal_room", deal_id=answer["deal_id"])
        message = _("Deal proposal sent: draft deal %(code)s.") % {"code": answer["deal_code"]}
        flash(request, message, link=(room, _("Open the deal room")))
    else:
        flash(request, _("Inquiry sent to %(producer)s.") % {"producer": answer["producer_company"]})
    return redirect_to(request, "matching")
