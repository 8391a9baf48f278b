"""One-shot messages kept in the session until the next page shows them."""

from __future__ import annotations

from typing import Literal

from starlette.requests import Request

Category = Literal["success", "info", "warning", "danger"]
_KEY = "_flashes"


def flash(request: Request, message: str, category: Category = "success") -> None:
    request.session[_KEY] = [*request.session.get(_KEY, []), [category, message]]


def pop_flashes(request: Request) -> list[tuple[str, str]]:
    return [(category, message) for category, message in request.session.pop(_KEY, [])]
