"""C-13's lot list as SQL: one statement per combination of filters, built once and cached, selecting Core
rows (no ORM objects) with the producer's and buyer's names and the creator's e-mail joined in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Float, Select, bindparam, cast, select

from triboka_api.models import Company, ProducerLot, User

_lots = ProducerLot.__table__
_producer = Company.__table__.alias("producer_company")
_buyer = Company.__table__.alias("buyer_company")
_LOT_LIST_NUMBERS = {"weight_kg", "moisture_content", "purchase_price_usd"}
# the hot list selects its NUMERIC columns as floats (as JSON shows them, §1.5): no Decimal per value
_LOT_LIST = select(
    *(
        cast(c, Float).label(c.name) if c.name in _LOT_LIST_NUMBERS else c
        for c in _lots.c
        if c.name not in {"created_by_user_id", "purchase_tx_hash", "updated_at", "purchased_by_company_id"}
    ),
    _producer.c.name.label("producer_company"),
    _buyer.c.name.label("purchased_by"),
    User.__table__.c.email.label("created_by"),
).select_from(
    _lots.outerjoin(_producer, _producer.c.id == _lots.c.producer_company_id)
    .outerjoin(_buyer, _buyer.c.id == _lots.c.purchased_by_company_id)
    .outerjoin(User.__table__, User.__table__.c.id == _lots.c.created_by_user_id)
)

# the names of a list row's columns, in order: the serializer zips a row's values with them
LOT_LIST_COLUMNS = tuple(column.name for column in _LOT_LIST.selected_columns)


def harvest_order(query: Select[Any]) -> Select[Any]:
    return query.order_by(ProducerLot.harvest_date.desc().nulls_last(), ProducerLot.id.desc())


_LIKE_ESCAPE = "/"
# C-13's filters, each a condition on a bound value of the same name; `company_scope` is a producer's own company
_LOT_FILTERS = {
    "company_scope": ProducerLot.producer_company_id == bindparam("company_scope"),
    "status": ProducerLot.status == bindparam("status"),
    "location": ProducerLot.location.icontains(bindparam("location"), escape=_LIKE_ESCAPE),
    "quality_grade": ProducerLot.quality_grade == bindparam("quality_grade"),
    "producer_id": ProducerLot.producer_company_id == bindparam("producer_id"),
    # bound as floats: a bound beyond NUMERIC(12, 2) (1e16) compares instead of overflowing into a 500 (PostgreSQL)
    "min_weight": ProducerLot.weight_kg >= bindparam("min_weight", type_=Float),
    "max_weight": ProducerLot.weight_kg <= bindparam("max_weight", type_=Float),
    "certifications": ProducerLot.certifications.icontains(bindparam("certifications"), escape=_LIKE_ESCAPE),
    "lot_id": ProducerLot.id == bindparam("lot_id"),  # Δ 150: one lot, under the same scope
}


@lru_cache(maxsize=512)
def _lot_list_statement(filters: tuple[str, ...], offset: bool, limit: bool) -> Select[Any]:
    """The list statement of one combination of filters, built once: SQLAlchemy then finds its compiled SQL
    without rebuilding and re-hashing the statement on every request; the values are bound per request."""
    conditions = [_LOT_FILTERS[name] for name in filters]
    if not offset:
        query = harvest_order(_LOT_LIST.where(*conditions))
        return query.limit(bindparam("limit")) if limit else query
    # A page further down is found by its ids first: the OFFSET then skips index entries (an index-only scan where
    # the filters allow) instead of rows read from the table and joined, whose number grows with the offset and
    # whose pages spread with the table (issue 16, goal 5: the status page at offset 500, 1,000,000 lots,
    # PostgreSQL: 1.4 ms -> 0.6 ms, EXPLAIN ANALYZE of the generic plan).
    page = harvest_order(select(_lots.c.id).where(*conditions)).offset(bindparam("offset"))
    if limit:
        page = page.limit(bindparam("limit"))
    return harvest_order(_LOT_LIST.where(_lots.c.id.in_(page)))


def like_literal(text: str) -> str:
    """A value matched as typed inside LIKE: its wildcards are escaped."""
    return (
        text.replace(_LIKE_ESCAPE, 2 * _LIKE_ESCAPE)
        .replace("%", f"{_LIKE_ESCAPE}%")
        .replace("_", f"{_LIKE_ESCAPE}_")
    )


def lot_list_statement(values: Mapping[str, object]) -> Select[Any]:
    """C-13's statement for the bound `values` given (filters by name, `offset`, `limit`)."""
    return _lot_list_statement(
        tuple(name for name in _LOT_FILTERS if name in values), "offset" in values, "limit" in values
    )


def lots_by_id_statement(lot_ids: Sequence[int]) -> Select[Any]:
    """C-13's rows of the given lots, in no particular order (S-10's `source_lots`)."""
    return _LOT_LIST.where(ProducerLot.id.in_(lot_ids))
