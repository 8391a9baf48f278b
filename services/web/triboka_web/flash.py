"""One-shot messages kept in the session until the next page shows them."""

from __future__ import annotations

from typing import Literal, NamedTuple

from starlette.requests import Request

Category = Literal["success", "info", "warning", "danger"]
_KEY = "_flashes"


class Flash(NamedTuple):
    category: str
    message: str
    link: str | None = None  # a path the message points to (e.g. the deal a proposal opened)
    link_text: str | None = None


def flash(
    request: Request, message: str, category: Category = "success", link: tuple[str, str] | None = None
) -> None:
    """`link`: (path, text) shown after the message."""
    request.session[_KEY] = [*request.session.get(_KEY, []), [category, message, *(link or ())]]


def pop_flashes(request: Request) -> list[Flash]:
    return [Flash(*entry) for entry in request.session.pop(_KEY, [])]
