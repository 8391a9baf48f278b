"""Move a contract or a dispatch to another status from a one-button form, and say how it went."""

from __future__ import annotations

from starlette.requests import Request

from triboka_web.api_client import ApiClient, ApiError
from triboka_web.flash import flash
from triboka_web.forms import StatusForm, api_refusal, parse_form
from triboka_web.i18n import _
from triboka_web.labels import status_label


async def apply_status_change(request: Request, api: ApiClient, path: str) -> None:
    """PUT `{"status": <chosen status>}` to `path`; a refusal (a transition the API forbids) is flashed."""
    parsed = parse_form(StatusForm, await request.form())
    target = parsed.model.status if parsed.model else None
    try:
        await api.put(path, {"status": target})
    except ApiError as exc:
        flash(request, api_refusal(exc), "danger")
    else:
        flash(request, _("Status changed to %(status)s.") % {"status": status_label(target)})
