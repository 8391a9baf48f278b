"""One-button actions (status moves, deletions): call the API, then say how it went in a flash message."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from starlette.requests import Request

from triboka_web.api_client import ApiClient, ApiError
from triboka_web.flash import flash
from triboka_web.forms import StatusForm, api_refusal, parse_form
from triboka_web.i18n import _
from triboka_web.labels import status_label


async def run_action(request: Request, call: Awaitable[Any], done: str) -> bool:
    """Await the API `call`; flash `done` when it succeeds, or the API's refusal when it does not."""
    try:
        await call
    except ApiError as exc:
        flash(request, api_refusal(exc), "danger")
        return False
    flash(request, done)
    return True


async def apply_status_change(request: Request, api: ApiClient, path: str) -> None:
    """PUT `{"status": <chosen status>}` to `path`; a transition the API forbids is flashed."""
    parsed = parse_form(StatusForm, await request.form())
    target = parsed.model.status if parsed.model else None
    done = _("Status changed to %(status)s.") % {"status": status_label(target)}
    await run_action(request, api.put(path, {"status": target}), done)
