"""The AgroWeight integration's own tables, which older first-generation snapshots kept (Spanish names), mapped
onto this schema where it has a home for them:

| source table | becomes |
|---|---|
| `productores` (producers) | `companies` of type `producer` (an existing company of the same name is reused) |
| `clientes` (customers) | `companies` of type `buyer` (likewise) |
| `lotes_cacao` (cacao lots) | `producer_lots` (an existing lot with the same code is reused), status `available` |
| `registros_calidad` (quality records) | `trace_events` of type `quality_check` on the lot, numbers in `measurements` |
| `movimientos_secado` (drying movements) | `trace_events` of type `drying` on the lot, numbers in `measurements` |
| `precios_internacionales` (international prices) | `market_prices` (C-51's source) in USD per metric ton |
| `centros_acopio` (collection centres) | no home yet; their names become the location of lots that have none |

Every row of these tables is also kept raw in `legacy_rows` (`mapped_to` names what it became), because each
mapping drops columns this schema has no place for (identity numbers, phones, hectares, AgroWeight states).
Their exact layout was never specified, so columns are found by the names the versions used (`pick`); a table
without the columns its mapping needs is reported as an unsupported schema version and kept aside whole.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, select

from triboka_api.importer.convert import (
    RowSkipped,
    as_bool,
    as_certifications,
    as_date,
    as_datetime,
    as_decimal,
)
from triboka_api.importer.source import ROWID
from triboka_api.models import Company, MarketPrice, ProducerLot, TraceEvent, utcnow

if TYPE_CHECKING:
    from triboka_api.importer.core import SqliteImporter

AGROWEIGHT_TABLES = (
    "productores",
    "clientes",
    "centros_acopio",
    "lotes_cacao",
    "registros_calidad",
    "movimientos_secado",
    "precios_internacionales",
)
NAME = ("nombre", "nombre_completo", "razon_social", "name")
CREATED = ("created_at", "fecha_registro", "fecha_creacion")
LOT_CODE = ("codigo", "codigo_lote", "lote_codigo", "code")
LOT_REF = ("lote_id", "lote_cacao_id", "id_lote")
PRICE_DATE = ("fecha", "fecha_precio", "date")
PRICE = ("precio_usd_tm", "precio_tm", "precio_cierre", "precio", "close", "valor")
USD = {"USD", "US$", "$", "DOLARES", "DÓLARES"}
PER_METRIC_TON = {
    "TM",
    "MT",
    "T",
    "TON",
    "TONELADA",
    "TONELADA METRICA",
    "TONELADA MÉTRICA",
    "USD/TM",
    "USD/MT",
}
# Numeric(12, 2) and Numeric(5, 2) columns: a larger value would abort the whole import on PostgreSQL.
MAX_AMOUNT = Decimal("9999999999.99")


def pick(row: dict[str, Any], names: tuple[str, ...]) -> Any:
    """The value of the first of `names` the row has that is not empty."""
    return next((row[name] for name in names if row.get(name) not in (None, "")), None)


def as_text(row: dict[str, Any], names: tuple[str, ...], length: int = 255) -> str | None:
    """A text column, trimmed and cut to the target column's length (the raw row keeps the whole value)."""
    value = pick(row, names)
    if value is None:
        return None
    return str(value).strip()[:length] or None


def bounded(value: Any, maximum: Decimal, what: str) -> Decimal | None:
    number = as_decimal(value)
    if number is not None and not Decimal(0) <= number <= maximum:
        raise RowSkipped(f"{what} {value!r} out of range")
    return number


@dataclass(frozen=True)
class Mapping:
    """One AgroWeight table: the target, the columns its mapping cannot do without (role → accepted names) and
    the coroutine that writes one row and returns what it became (e.g. `companies/14`)."""

    name: str
    target: Table
    required: dict[str, tuple[str, ...]]
    write: Callable[[dict[str, Any], str], Awaitable[str]]


class AgroWeightImporter:
    def __init__(self, importer: SqliteImporter) -> None:
        self.importer = importer
        self.source, self.conn, self.report, self.legacy = (
            importer.source,
            importer.conn,
            importer.report,
            importer.legacy,
        )
        self.company_ids: dict[str, int] = {}
        self.company_names: dict[int, str] = {}
        self.centre_names: dict[str, str] = {}

    async def run(self) -> None:
        if not any(name in self.source.tables for name in AGROWEIGHT_TABLES):
            return
        for ident, name in await self.conn.execute(select(Company.id, Company.name)):
            self.company_ids.setdefault(name.strip().lower(), ident)
            self.company_names[ident] = name
        await self.map(Mapping("productores", Company.__table__, {"name": NAME}, self.producer))
        await self.map(Mapping("clientes", Company.__table__, {"name": NAME}, self.customer))
        self.centres()
        await self.map(Mapping("lotes_cacao", ProducerLot.__table__, {"code": LOT_CODE}, self.lot))
        await self.map(Mapping("registros_calidad", TraceEvent.__table__, {"lot": LOT_REF}, self.quality))
        await self.map(Mapping("movimientos_secado", TraceEvent.__table__, {"lot": LOT_REF}, self.drying))
        await self.map(
            Mapping(
                "precios_internacionales",
                MarketPrice.__table__,
                {"date": PRICE_DATE, "price": PRICE},
                self.price,
            )
        )

    async def map(self, mapping: Mapping) -> None:
        table = self.source.tables.get(mapping.name)
        if table is None:
            return
        missing = [
            f"{role} ({' / '.join(names)})"
            for role, names in mapping.required.items()
            if table.first_of(*names) is None
        ]
        if missing:
            self.importer.keep_table(
                mapping.name, f"unsupported schema version: no column for {', '.join(missing)}"
            )
            return
        report = self.report.table(mapping.name)
        report.target(mapping.target.name)
        for row in self.source.rows(mapping.name):
            key = self.source.key_of(mapping.name, row)
            if self.legacy.mapped_to(mapping.name, key):
                report.skip("already imported")
                continue
            try:
                became = await mapping.write(row, key)
            except RowSkipped as skipped:
                self.importer.keep_aside(mapping.name, row, str(skipped))
                continue
            except (ValueError, TypeError) as exc:
                self.importer.keep_aside(mapping.name, row, f"unreadable value: {exc}")
                continue
            self.legacy.keep(mapping.name, key, row, reason=None, mapped_to=became)
            report.imported += 1

    def mapped_id(self, table: str, key: Any) -> int | None:
        """The id in this schema of a row an AgroWeight table mapped, by its source key."""
        if key in (None, ""):
            return None
        mapped = self.legacy.mapped_to(table, str(key))
        return int(mapped.rsplit("/", 1)[1]) if mapped else None

    async def insert(self, table: Table, values: dict[str, Any]) -> int:
        ident = await self.conn.scalar(table.insert().values(**values).returning(table.c.id))
        assert ident is not None
        return int(ident)

    # companies ------------------------------------------------------------------------------------------------
    async def company(self, row: dict[str, Any], table: str, company_type: str) -> str:
        name = as_text(row, NAME)
        if not name:
            raise RowSkipped("no name")
        ident = self.company_ids.get(name.lower())
        if ident is not None:
            self.report.table(table).notes["reused the existing company of the same name"] += 1
        else:
            ident = await self.insert(
                Company.__table__,
                {
                    "name": name,
                    "email": as_text(row, ("email", "correo", "correo_electronico")),
                    "company_type": company_type,
                    "country": as_text(row, ("pais", "country"), 100),
                    "is_active": as_bool(pick(row, ("activo", "is_active"))),
                    "created_at": as_datetime(pick(row, CREATED)) or utcnow(),
                },
            )
            self.company_ids[name.lower()], self.company_names[ident] = ident, name
        return f"companies/{ident}"

    async def producer(self, row: dict[str, Any], key: str) -> str:
        return await self.company(row, "productores", "producer")

    async def customer(self, row: dict[str, Any], key: str) -> str:
        return await self.company(row, "clientes", "buyer")

    def centres(self) -> None:
        """Collection centres have no home yet: kept aside whole; their names locate lots that lack one."""
        if "centros_acopio" not in self.source.tables:
            return
        for row in self.source.rows("centros_acopio"):
            name = as_text(row, NAME)
            if name:
                self.centre_names[self.source.key_of("centros_acopio", row)] = name
        self.importer.keep_table("centros_acopio", "collection centres: no home in this release yet")

    # lots and their events ------------------------------------------------------------------------------------
    async def lot(self, row: dict[str, Any], key: str) -> str:
        code = as_text(row, LOT_CODE, 1000)
        if not code:
            raise RowSkipped("lot without code")
        if len(code) > 100:
            raise RowSkipped("lot code longer than 100 characters")
        existing = await self.conn.scalar(select(ProducerLot.id).where(ProducerLot.lot_code == code))
        if existing is not None:
            self.report.table("lotes_cacao").notes["reused the existing producer lot with the same code"] += 1
            return f"producer_lots/{existing}"
        producer = self.mapped_id("productores", pick(row, ("productor_id", "id_productor")))
        centre = self.centre_names.get(str(pick(row, ("centro_acopio_id", "centro_id"))))
        created = as_datetime(pick(row, CREATED)) or utcnow()
        ident = await self.insert(
            ProducerLot.__table__,
            {
                "lot_code": code,
                "producer_company_id": producer,
                "producer_name": self.company_names.get(producer) if producer else None,
                "farm_name": as_text(row, ("finca", "nombre_finca")),
                "location": as_text(row, ("ubicacion", "sector", "zona")) or centre,
                "product_type": as_text(row, ("tipo_cacao", "variedad", "producto"), 100),
                "weight_kg": bounded(pick(row, ("peso_kg", "peso_neto_kg", "peso")), MAX_AMOUNT, "weight"),
                "quality_grade": as_text(row, ("calidad", "grado"), 50),
                "moisture_content": bounded(pick(row, ("humedad", "humedad_pct")), Decimal(100), "moisture"),
                "harvest_date": as_datetime(pick(row, ("fecha_cosecha", "fecha_recepcion", "fecha"))),
                "certifications": as_certifications(pick(row, ("certificaciones", "certificacion"))),
                "status": "available",
                "created_at": created,
                "updated_at": as_datetime(pick(row, ("updated_at",))) or created,
            },
        )
        return f"producer_lots/{ident}"

    async def lot_event(self, row: dict[str, Any], key: str, table: str, event_type: str, title: str) -> str:
        lot_id = self.mapped_id("lotes_cacao", pick(row, LOT_REF))
        if lot_id is None:
            raise RowSkipped("references a lotes_cacao row that was not imported")
        happened = as_datetime(
            pick(row, ("fecha", "fecha_registro", "fecha_inicio", "fecha_analisis", *CREATED))
        )
        numbers = {
            column: value
            for column, value in row.items()
            if isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and column not in ("id", ROWID)
            and not column.endswith("_id")
        }
        texts = {column: value for column, value in row.items() if isinstance(value, str)}
        ident = await self.insert(
            TraceEvent.__table__,
            {
                "event_type": event_type,
                "entity_type": "lot",
                "entity_id": str(lot_id),
                "title": title,
                "description": as_text(row, ("observaciones", "notas", "descripcion"), 10_000),
                "actor_name": as_text(row, ("inspector", "responsable", "operador", "usuario")),
                "event_data": {"source_table": table, "source_key": key, **texts},
                "measurements": numbers,
                "tags": ["agroweight"],
                "status": "active",
                "is_public": True,
                "event_timestamp": happened or utcnow(),
                "created_at": happened or utcnow(),
                "updated_at": happened or utcnow(),
            },
        )
        return f"trace_events/{ident}"

    async def quality(self, row: dict[str, Any], key: str) -> str:
        return await self.lot_event(
            row, key, "registros_calidad", "quality_check", "Control de calidad (AgroWeight)"
        )

    async def drying(self, row: dict[str, Any], key: str) -> str:
        return await self.lot_event(row, key, "movimientos_secado", "drying", "Secado (AgroWeight)")

    # international prices -------------------------------------------------------------------------------------
    async def price(self, row: dict[str, Any], key: str) -> str:
        day: date | None = as_date(pick(row, PRICE_DATE))
        close = bounded(pick(row, PRICE), MAX_AMOUNT, "price")
        if day is None or not close:
            raise RowSkipped("price without a date or a positive value")
        currency = as_text(row, ("moneda", "currency"))
        if currency and currency.upper() not in USD:
            raise RowSkipped(f"price in {currency}: market_prices holds USD per metric ton")
        unit = as_text(row, ("unidad", "unit"))
        if unit and unit.upper() not in PER_METRIC_TON:
            raise RowSkipped(f"price per {unit}: market_prices holds USD per metric ton")
        existing = (
            await self.conn.execute(
                select(MarketPrice.id, MarketPrice.close_usd_per_mt, MarketPrice.source).where(
                    MarketPrice.symbol == "CC", MarketPrice.price_date == day
                )
            )
        ).first()
        if existing is not None:
            if existing.close_usd_per_mt != close.quantize(Decimal("0.01")):
                raise RowSkipped(
                    f"market_prices already has {existing.close_usd_per_mt} for {day} ({existing.source})"
                )
            self.report.table("precios_internacionales").notes["the same close was already recorded"] += 1
            return f"market_prices/{existing.id}"
        market = as_text(row, ("mercado", "bolsa", "fuente", "source"))
        source = "first generation precios_internacionales" + (f" ({market})" if market else "")
        ident = await self.insert(
            MarketPrice.__table__,
            {"symbol": "CC", "price_date": day, "close_usd_per_mt": close, "source": source[:100]},
        )
        return f"market_prices/{ident}"
