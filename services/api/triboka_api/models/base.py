"""Declarative base and the column types every table shares."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from sqlalchemy import JSON, DateTime, MetaData, Numeric, String, Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, mapped_column


def utcnow() -> datetime:
    """Naive UTC now: the contract stores and emits timestamps without a zone designator (§1.5)."""
    return datetime.now(UTC).replace(tzinfo=None)


NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonValue = JSON().with_variant(JSONB(), "postgresql")

intpk = Annotated[int, mapped_column(primary_key=True)]
str50 = Annotated[str, mapped_column(String(50))]
str100 = Annotated[str, mapped_column(String(100))]
str255 = Annotated[str, mapped_column(String(255))]


class Sign(StrEnum):
    """The sign a NUMERIC column's values may have; input checks derive from it (domain/bounds.py)."""

    POSITIVE = "positive"  # weights, volumes, quantities: > 0 at the stored scale
    NON_NEGATIVE = "non_negative"  # costs and prices
    ANY = "any"  # differentials, and values the API derives


SIGN = "sign"  # the Column.info key holding a Sign


def amount(precision: int, scale: int, sign: Sign, **options: Any) -> Any:
    """A NUMERIC(precision, scale) column with its sign rule (every NUMERIC column declares one)."""
    return mapped_column(Numeric(precision, scale), info={SIGN: sign}, **options)


created_ts = Annotated[datetime, mapped_column(DateTime, default=utcnow, nullable=False)]
updated_ts = Annotated[datetime, mapped_column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JsonValue, list[Any]: JsonValue}
    if TYPE_CHECKING:
        # every model maps a Table (declarative, never a join or select), so Core code may insert/update through
        # `Model.__table__`; SQLAlchemy types it as the wider FromClause
        __table__: ClassVar[Table]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every table is AUTOINCREMENT on SQLite: without it SQLite hands a deleted row's id (the highest) out
        again, and whatever still names that id (a user's token, an audit row) would point at the new row.
        PostgreSQL sequences never reuse ids; other dialects ignore the option."""
        super().__init_subclass__(**kwargs)
        table = cls.__dict__.get("__table__")
        if table is not None:
            table.dialect_kwargs["sqlite_autoincrement"] = True
