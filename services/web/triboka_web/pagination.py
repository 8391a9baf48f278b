"""Pages of API lists: a window the API serves by `limit`/`offset` (lots), a page the API counted (dispatches),
or a slice of a list the API returns whole and unpaged (contracts, batches, users, companies, lot search)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
PER_PAGE = 20


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    has_next: bool
    pages: int | None = None  # None: the API serves the list in windows without counting it
    total: int | None = None

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def paginate(items: Sequence[T], page: int, per_page: int = PER_PAGE) -> Page[T]:
    pages = max(1, -(-len(items) // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    return Page(items[start : start + per_page], page, page < pages, pages, len(items))


def window_query(page: int, per_page: int = PER_PAGE) -> dict[str, int]:
    """`limit`/`offset` of page `page`, asking for one item more than a page: the extra item, never shown, tells
    whether a next page exists without the API counting the whole list."""
    return {"limit": per_page + 1, "offset": (max(1, page) - 1) * per_page}


def window(items: Sequence[T], page: int, per_page: int = PER_PAGE) -> Page[T]:
    """The page that `window_query(page)` fetched."""
    return Page(items[:per_page], max(1, page), len(items) > per_page)
