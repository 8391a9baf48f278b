"""Import a first-generation SQLite database (the ORIG schema of §6) into the current database.

Rows keep their ids so that every reference stays valid. A row is imported once: running the import again
skips rows that are already there (same id and same natural key), so the import is idempotent. ORIG quirks
handled here: comma-separated certifications (trimmed), JSON kept as text (`source_lot_ids`, trace JSON columns,
`documents`), `varchar` timestamps, 0/1 booleans, Werkzeug and unsalted SHA-256 password hashes (verified and
upgraded at first login), and older snapshots that lack columns (§9 #19).

Nothing is dropped: every table of the source is reported, and a row that cannot be imported (a table this
schema has no home for, a table of an unsupported older layout, a dangling reference, a taken e-mail) is kept
as it was in `legacy_rows` with the reason. The AgroWeight tables of older snapshots are mapped by `agroweight`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from triboka_api.domain.access import Scope
from triboka_api.domain.codes import seed_code_counters
from triboka_api.domain.roles import Role
from triboka_api.domain.trace_chain import seal_pending
from triboka_api.importer.agroweight import AGROWEIGHT_TABLES, AgroWeightImporter
from triboka_api.importer.convert import (
    RowSkipped,
    as_bool,
    as_certifications,
    as_date,
    as_datetime,
    as_decimal,
    as_json,
    imported_scope,
)
from triboka_api.importer.hashes import hash_format, stored_hash
from triboka_api.importer.legacy import LegacyStore
from triboka_api.importer.report import ImportReport
from triboka_api.importer.source import SourceDatabase
from triboka_api.models import (
    BatchLot,
    BatchNft,
    Company,
    ContractFixation,
    Deal,
    DealFinance,
    DealMember,
    DealMessage,
    DealNote,
    DealTraceLink,
    Dispatch,
    ExportContract,
    ProducerLot,
    TraceEvent,
    TraceTimeline,
    User,
    UserProfile,
    utcnow,
)

# Second-tier tables of §6 (DID/KYC): this release has no table for them; their rows are kept.
SECOND_TIER = (
    "digital_identities",
    "digital_signatures",
    "kyc_documents",
)
KEY_DROPPED = (
    "plaintext API key not carried over: an admin issues a new one (POST /api/companies/{id}/api-keys)"
)
# The old database's own bookkeeping: listed in the report, not data to carry over.
BOOKKEEPING = {
    "sqlite_sequence": "SQLite's autoincrement counters, not data",
    "sqlite_stat1": "SQLite's planner statistics, not data",
    "alembic_version": "the first generation's migration marker, not data",
}


@dataclass(frozen=True)
class CoreTable:
    """How one first-generation table is copied: its target, converter, natural key and the columns the
    converter cannot do without (a snapshot lacking them has an unsupported layout)."""

    name: str
    table: Table
    convert: Callable[[dict[str, Any]], dict[str, Any]]
    natural_key: str | None = None
    required: tuple[str, ...] = ()


class SqliteImporter:
    def __init__(self, source: Path, connection: AsyncConnection) -> None:
        self.source = SourceDatabase(source)
        self.conn = connection
        self.report = ImportReport(source=str(source))
        self.legacy = LegacyStore(connection)
        self.ids: dict[str, set[int]] = {}

    def keep_aside(self, name: str, row: dict[str, Any], reason: str) -> None:
        kept = self.legacy.keep(name, self.source.key_of(name, row), row, reason=reason)
        self.report.table(name).keep(reason, new=kept)

    def keep_table(self, name: str, reason: str) -> None:
        """A whole table without a home: its rows are kept aside, the report says why."""
        self.report.table(name).note = reason
        for row in self.source.rows(name):
            self.keep_aside(name, row, reason)

    async def existing(self, table: Table, key: str) -> dict[int, Any]:
        rows = await self.conn.execute(select(table.c.id, table.c[key]))
        return {row[0]: row[1] for row in rows}

    async def copy(
        self, spec: CoreTable, finish: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    ) -> None:
        """Copy one table with its ids; `finish` completes a row that will be inserted (costly work that an
        already imported row need not pay for)."""
        name, natural_key = spec.name, spec.natural_key
        report = self.report.table(name)
        present = await self.existing(spec.table, natural_key or "id")
        imported = self.ids.setdefault(name, set(present))
        source = self.source.tables.get(name)
        if source is None:
            return
        missing = [column for column in ("id", *spec.required) if not source.has(column)]
        if missing:
            self.keep_table(name, f"unsupported schema version: no column {', '.join(missing)}")
            return
        report.target(spec.table.name)
        present_keys = {v: k for k, v in present.items()} if natural_key else {}
        batch: list[dict[str, Any]] = []
        for row in self.source.rows(name):
            try:
                values = spec.convert(row)
            except RowSkipped as skipped:
                self.keep_aside(name, row, str(skipped))
                continue
            except (ValueError, TypeError, KeyError) as exc:
                self.keep_aside(name, row, f"unreadable value: {exc}")
                continue
            ident = values["id"]
            if ident in present:
                if natural_key and present[ident] != values[natural_key]:
                    self.keep_aside(name, row, f"id taken by another {natural_key}")
                else:
                    report.skip("already imported")
                continue
            if natural_key and values[natural_key] in present_keys:
                self.keep_aside(name, row, f"{natural_key} already exists")
                continue
            batch.append(finish(values) if finish else values)
            imported.add(ident)
            if natural_key:
                present_keys[values[natural_key]] = ident
            report.imported += 1
        if batch:
            await self.conn.execute(spec.table.insert(), batch)

    def ref(self, table: str, value: Any, *, required: bool = False) -> int | None:
        """A foreign key into an imported table; a dangling one keeps the row aside (required) or becomes NULL."""
        if value in (None, ""):
            if required:
                raise RowSkipped(f"missing reference to {table}")
            return None
        ident = int(value)
        if ident not in self.ids.get(table, set()):
            if required:
                raise RowSkipped(f"references a missing {table} row")
            return None
        return ident

    # per-table converters ------------------------------------------------------------------------------------
    def company(self, r: dict[str, Any]) -> dict[str, Any]:
        if r.get("api_key"):
            # Δ 88: a first-generation key is plaintext and often a guessable demo value; it is not carried over.
            self.report.table("companies").notes[KEY_DROPPED] += 1
        return {
            "id": r["id"],
            "name": r["name"],
            "email": r.get("email"),
            "company_type": r.get("company_type"),
            "country": r.get("country"),
            "blockchain_address": r.get("blockchain_address"),
            "is_active": as_bool(r.get("is_active")),
            "created_at": as_datetime(r.get("created_at")) or utcnow(),
        }

    def user(self, r: dict[str, Any]) -> dict[str, Any]:
        if not r.get("email"):
            raise RowSkipped("user without email")
        name = (
            r.get("name") or " ".join(p for p in (r.get("first_name"), r.get("last_name")) if p) or r["email"]
        )
        created = as_datetime(r.get("created_at")) or utcnow()
        return {
            "id": r["id"],
            "email": r["email"].strip(),
            "first_name": r.get("first_name"),
            "last_name": r.get("last_name"),
            "name": name,
            "password_hash": r.get("password_hash") or None,
            "role": r.get("role") or Role.USER,
            "company_id": self.ref("companies", r.get("company_id")),
            "active": as_bool(r.get("active")),
            "keycloak_id": r.get("keycloak_id") or None,
            "created_at": created,
            "updated_at": as_datetime(r.get("updated_at")) or created,
        }

    def profile(self, r: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": r["id"],
            "user_id": self.ref("users", r.get("user_id"), required=True),
            "location": r.get("location"),
            "product_type": r.get("product_type"),
            "business_type": r.get("business_type"),
            "additional_data": as_json(r.get("additional_data"), None),
            "updated_at": as_datetime(r.get("updated_at")) or utcnow(),
        }

    def contract(self, r: dict[str, Any]) -> dict[str, Any]:
        if not r.get("contract_code"):
            raise RowSkipped("contract without contract_code")
        total = as_decimal(r.get("total_volume_mt")) or Decimal(0)
        fixed = min(max(as_decimal(r.get("fixed_volume_mt")) or Decimal(0), Decimal(0)), total)
        created = as_datetime(r.get("created_at")) or utcnow()
        return {
            "id": r["id"],
            "contract_code": r["contract_code"],
            "buyer_company_id": self.ref("companies", r.get("buyer_company_id")),
            "exporter_company_id": self.ref("companies", r.get("exporter_company_id")),
            "product_type": r.get("product_type"),
            "product_grade": r.get("product_grade"),
            "total_volume_mt": total,
            "fixed_volume_mt": fixed,
            "differential_usd": as_decimal(r.get("differential_usd")) or Decimal(0),
            "start_date": as_datetime(r.get("start_date")),
            "end_date": as_datetime(r.get("end_date")),
            "delivery_date": as_datetime(r.get("delivery_date")),
            "status": r.get("status") or "active",
            "blockchain_contract_id": r.get("blockchain_contract_id"),
            "created_by_user_id": self.ref("users", r.get("created_by_user_id")),
            "notes": r.get("notes"),
            "created_at": created,
            "updated_at": as_datetime(r.get("updated_at")) or created,
        }

    def fixation(self, r: dict[str, Any]) -> dict[str, Any]:
        created = as_datetime(r.get("created_at")) or utcnow()
        return {
            "id": r["id"],
            "export_contract_id": self.ref("export_contracts", r.get("export_contract_id"), required=True),
            "fixed_quantity_mt": as_decimal(r.get("fixed_quantity_mt")) or Decimal(0),
            "spot_price_usd": as_decimal(r.get("spot_price_usd")) or Decimal(0),
            "total_value_usd": as_decimal(r.get("total_value_usd")) or Decimal(0),
            "differential_usd": as_decimal(r.get("differential_usd")),
            "fixation_date": as_datetime(r.get("fixation_date")) or created,
            "notes": r.get("notes"),
            "blockchain_fixation_id": r.get("blockchain_fixation_id"),
            "created_by_user_id": self.ref("users", r.get("created_by_user_id")),
            "created_at": created,
        }

    def lot(self, r: dict[str, Any]) -> dict[str, Any]:
        if not r.get("lot_code"):
            raise RowSkipped("lot without lot_code")
        created = as_datetime(r.get("created_at")) or utcnow()
        return {
            "id": r["id"],
            "lot_code": r["lot_code"],
            "producer_company_id": self.ref("companies", r.get("producer_company_id")),
            "producer_name": r.get("producer_name"),
            "farm_name": r.get("farm_name"),
            "location": r.get("location"),
            "product_type": r.get("product_type"),
            "weight_kg": as_decimal(r.get("weight_kg")),
            "quality_grade": r.get("quality_grade"),
            "moisture_content": as_decimal(r.get("moisture_content")),
            "harvest_date": as_datetime(r.get("harvest_date")),
            "purchase_date": as_datetime(r.get("purchase_date")),
            "purchase_price_usd": as_decimal(r.get("purchase_price_usd")),
            "certifications": as_certifications(r.get("certifications")),
            "status": r.get("status") or "available",
            "blockchain_lot_id": r.get("blockchain_lot_id"),
            "export_contract_id": self.ref("export_contracts", r.get("export_contract_id")),
            "purchased_by_company_id": self.ref("companies", r.get("purchased_by_company_id")),
            "batch_id": None,
            "purchase_tx_hash": r.get("purchase_tx_hash"),
            "created_by_user_id": self.ref("users", r.get("created_by_user_id")),
            "created_at": created,
            "updated_at": as_datetime(r.get("updated_at")) or created,
        }

    def batch(self, r: dict[str, Any]) -> dict[str, Any]:
        if not r.get("batch_code"):
            raise RowSkipped("batch without batch_code")
        lot_ids = as_json(r.get("source_lot_ids"), [])
        weights = as_json(r.get("source_lot_weights"), [])
        if not isinstance(lot_ids, list) or not isinstance(weights, list):
            raise RowSkipped("source_lot_ids/source_lot_weights are not JSON arrays")
        members = []
        for position, lot_id in enumerate(lot_ids):
            ident = self.ref("producer_lots", lot_id, required=True)
            weight = as_decimal(weights[position]) if position < len(weights) else None
            members.append({"position": position, "lot_id": ident, "weight_kg": weight or Decimal(0)})
        return {
            "id": r["id"],
            "batch_code": r["batch_code"],
            "total_weight_kg": as_decimal(r.get("total_weight_kg")) or Decimal(0),
            "batch_type": r.get("batch_type"),
            "location": r.get("location"),
            "creator_company_id": self.ref("companies", r.get("creator_company_id")),
            "current_owner_company_id": self.ref("companies", r.get("current_owner_company_id")),
            "blockchain_batch_id": r.get("blockchain_batch_id"),
            "status": r.get("status") or "created",
            "created_at": as_datetime(r.get("created_at")) or utcnow(),
            "_members": members,
        }

    def dispatch(self, r: dict[str, Any]) -> dict[str, Any]:
        created = as_datetime(r.get("created_at")) or utcnow()
        documents = as_json(r.get("documents"), [])
        return {
            "id": r["id"],
            "dispatch_code": r["dispatch_code"],
            "contract_id": self.ref("export_contracts", r.get("contract_id"), required=True),
            "batch_id": self.ref("batch_nfts", r.get("batch_id"), required=True),
            "quantity_mt": as_decimal(r.get("quantity_mt")) or Decimal(0),
            "destination_country": r.get("destination_country") or "",
            "destination_port": r.get("destination_port"),
            "destination_company": r.get("destination_company"),
            "shipping_date": as_date(r.get("shipping_date")) or created.date(),
            "estimated_delivery_date": as_date(r.get("estimated_delivery_date")),
            "actual_delivery_date": as_date(r.get("actual_delivery_date")),
            "carrier_name": r.get("carrier_name"),
            "vessel_name": r.get("vessel_name"),
            "tracking_number": r.get("tracking_number"),
            "bill_of_lading": r.get("bill_of_lading"),
            "status": r.get("status") or "planned",
            "freight_cost_usd": as_decimal(r.get("freight_cost_usd")),
            "insurance_cost_usd": as_decimal(r.get("insurance_cost_usd")),
            "other_costs_usd": as_decimal(r.get("other_costs_usd")),
            "created_by_id": self.ref("users", r.get("created_by_id"), required=True),
            "documents": documents if isinstance(documents, list) else [documents],
            "notes": r.get("notes"),
            "created_at": created,
            "updated_at": as_datetime(r.get("updated_at")) or created,
        }

    def deal(self, r: dict[str, Any]) -> dict[str, Any]:
        created = as_datetime(r.get("created_at")) or utcnow()
        return {
            "id": r["id"],
            "deal_code": r["deal_code"],
            "status": r.get("status") or "draft",
            "admin_id": self.ref("users", r.get("admin_id"), required=True),
            "producer_id": self.ref("companies", r.get("producer_id")),
            "exporter_id": self.ref("companies", r.get("exporter_id")),
            "terms_public": as_json(r.get("terms_public"), None),
            "terms_private": as_json(r.get("terms_private"), None),
            "visibility_rules": as_json(r.get("visibility_rules"), None),
            "description": r.get("description"),
            "created_at": created,
            "updated_at": as_datetime(r.get("updated_at")) or created,
        }

    def deal_member(self, r: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": r["id"],
            "deal_id": self.ref("deals", r.get("deal_id"), required=True),
            "party_id": int(r["party_id"]),
            "party_type": r.get("party_type") or "company",
            "role_in_deal": r.get("role_in_deal") or "observer",
            "permissions": as_json(r.get("permissions"), None),
            "status": r.get("status") or "invited",
            "invited_at": as_datetime(r.get("invited_at")) or utcnow(),
        }

    def deal_trace_link(self, r: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": r["id"],
            "deal_id": self.ref("deals", r.get("deal_id"), required=True),
            "lote_ids": as_json(r.get("lote_ids"), []),
            "batch_ids": as_json(r.get("batch_ids"), []),
            "events": as_json(r.get("events"), []),
            "created_at": as_datetime(r.get("created_at")) or utcnow(),
        }

    def deal_note(self, r: dict[str, Any]) -> dict[str, Any]:
        created = as_datetime(r.get("created_at")) or utcnow()
        return {
            "id": r["id"],
            "deal_id": self.ref("deals", r.get("deal_id"), required=True),
            "author_id": self.ref("users", r.get("author_id"), required=True),
            "scope": imported_scope(r.get("scope")),
            "content": r["content"],
            "attachments": as_json(r.get("attachments"), None),
            "created_at": created,
            "updated_at": as_datetime(r.get("updated_at")) or created,
        }

    def deal_message(self, r: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": r["id"],
            "deal_id": self.ref("deals", r.get("deal_id"), required=True),
            "author_id": self.ref("users", r.get("author_id"), required=True),
            "content": r["content"],
            "message_type": r.get("message_type") or "text",
            # every member read every message in the first generation; its file messages carried no scope
            "scope": Scope.PUBLIC.value,
            "attachments": as_json(r.get("attachments"), None),
            "is_read": as_bool(r.get("is_read")),
            "read_at": as_datetime(r.get("read_at")),
            "created_at": as_datetime(r.get("created_at")) or utcnow(),
        }

    def deal_finance(self, r: dict[str, Any]) -> dict[str, Any]:
        cost, price = as_decimal(r.get("costo_admin")), as_decimal(r.get("precio_admin"))
        if (cost is not None and cost < 0) or (price is not None and price < 0):
            raise RowSkipped("negative cost or price")
        return {
            "id": r["id"],
            "deal_id": self.ref("deals", r.get("deal_id"), required=True),
            "costo_admin": cost,
            "precio_admin": price,
            "margen_pct": as_decimal(r.get("margen_pct")),
            "margen_abs": as_decimal(r.get("margen_abs")),
            "currency": r.get("currency") or "USD",
            "notes": r.get("notes"),
            "updated_at": as_datetime(r.get("updated_at")) or utcnow(),
        }

    def trace_event(self, r: dict[str, Any]) -> dict[str, Any]:
        created = as_datetime(r.get("created_at")) or utcnow()
        return {
            "id": r["id"],
            "event_type": r["event_type"],
            "entity_type": r["entity_type"],
            "entity_id": str(r["entity_id"]),
            "title": r.get("title") or r["event_type"],
            "description": r.get("description"),
            "location": r.get("location"),
            "actor_id": self.ref("users", r.get("actor_id")),
            "actor_name": r.get("actor_name"),
            "event_data": as_json(r.get("event_data"), {}),
            "measurements": as_json(r.get("measurements"), {}),
            "tags": as_json(r.get("tags"), []),
            "blockchain_tx_hash": r.get("blockchain_tx_hash"),
            "blockchain_block_number": r.get("blockchain_block_number"),
            "blockchain_timestamp": as_datetime(r.get("blockchain_timestamp")),
            "digital_signature_id": None,
            "status": r.get("status") or "active",
            "is_public": as_bool(r.get("is_public")),
            "event_timestamp": as_datetime(r.get("event_timestamp")) or created,
            "created_at": created,
            "updated_at": as_datetime(r.get("updated_at")) or created,
        }

    def trace_timeline(self, r: dict[str, Any]) -> dict[str, Any]:
        created = as_datetime(r.get("created_at")) or utcnow()
        return {
            "id": r["id"],
            "entity_type": r["entity_type"],
            "entity_id": str(r["entity_id"]),
            "parent_event_id": None,
            "title": r.get("title") or f"{r['entity_type']} {r['entity_id']}",
            "description": r.get("description"),
            "status": r.get("status") or "active",
            "total_events": r.get("total_events") or 0,
            "completed_events": r.get("completed_events") or 0,
            "blockchain_events": r.get("blockchain_events") or 0,
            "started_at": as_datetime(r.get("started_at")),
            "completed_at": as_datetime(r.get("completed_at")),
            "estimated_completion": as_datetime(r.get("estimated_completion")),
            "tags": as_json(r.get("tags"), None),
            "custom_data": as_json(r.get("custom_data"), None),
            "created_at": created,
            "updated_at": as_datetime(r.get("updated_at")) or created,
        }

    def core_tables(self) -> list[CoreTable]:
        return [
            CoreTable("companies", Company.__table__, self.company, required=("name",)),
            CoreTable("users", User.__table__, self.user, "email", required=("email",)),
            CoreTable("user_profiles", UserProfile.__table__, self.profile, required=("user_id",)),
            CoreTable("deals", Deal.__table__, self.deal, "deal_code", required=("deal_code", "admin_id")),
            CoreTable(
                "deal_members", DealMember.__table__, self.deal_member, required=("deal_id", "party_id")
            ),
            CoreTable(
                "deal_trace_links", DealTraceLink.__table__, self.deal_trace_link, required=("deal_id",)
            ),
            CoreTable(
                "deal_notes", DealNote.__table__, self.deal_note, required=("deal_id", "author_id", "content")
            ),
            CoreTable(
                "deal_messages",
                DealMessage.__table__,
                self.deal_message,
                required=("deal_id", "author_id", "content"),
            ),
            CoreTable(
                "deal_finance_private",
                DealFinance.__table__,
                self.deal_finance,
                "deal_id",
                required=("deal_id",),
            ),
            CoreTable(
                "export_contracts",
                ExportContract.__table__,
                self.contract,
                "contract_code",
                required=("contract_code",),
            ),
            CoreTable(
                "contract_fixations",
                ContractFixation.__table__,
                self.fixation,
                required=("export_contract_id",),
            ),
            CoreTable("producer_lots", ProducerLot.__table__, self.lot, "lot_code", required=("lot_code",)),
            CoreTable("batch_nfts", BatchNft.__table__, self.batch, "batch_code", required=("batch_code",)),
            CoreTable(
                "dispatches",
                Dispatch.__table__,
                self.dispatch,
                "dispatch_code",
                required=("dispatch_code", "contract_id", "batch_id", "created_by_id"),
            ),
            CoreTable(
                "trace_events",
                TraceEvent.__table__,
                self.trace_event,
                required=("event_type", "entity_type", "entity_id"),
            ),
            CoreTable(
                "trace_timelines",
                TraceTimeline.__table__,
                self.trace_timeline,
                required=("entity_type", "entity_id"),
            ),
        ]

    async def run(self) -> ImportReport:
        try:
            return await self._run()
        finally:
            self.source.close()

    async def _run(self) -> ImportReport:
        for name, table in self.source.tables.items():
            self.report.table(name).rows = table.rows
        await self.legacy.load()
        for spec in self.core_tables():
            if spec.name == "batch_nfts":
                await self._copy_batches(spec)
            elif spec.name == "users":
                await self.copy(spec, finish=self._user_password)
            else:
                await self.copy(spec)
        self._report_password_formats()
        await self._reset_sequences()
        # After the sequences: AgroWeight rows get new ids, which must not collide with the imported ones.
        await AgroWeightImporter(self).run()
        await self.conn.run_sync(seal_pending)  # imported trace events join their entities' hash chains
        await self.conn.run_sync(seed_code_counters)  # new codes come after the imported ones
        handled = {spec.name for spec in self.core_tables()} | set(AGROWEIGHT_TABLES)
        for name in self.source.tables:
            if name in handled:
                continue
            if name in BOOKKEEPING or name.startswith("sqlite_"):
                self.report.table(name).note = BOOKKEEPING.get(name, "SQLite internal table, not data")
            elif name in SECOND_TIER:
                self.keep_table(name, "second-tier table: no home in this release yet")
            else:
                self.keep_table(name, "unknown table: no home in this release")
        await self.legacy.flush()
        return self.report

    @staticmethod
    def _user_password(values: dict[str, Any]) -> dict[str, Any]:
        return values | {"password_hash": stored_hash(values["password_hash"])}

    def _report_password_formats(self) -> None:
        for row in self.source.rows("users"):
            if row.get("email"):
                self.report.password_format(hash_format(row.get("password_hash")), str(row["email"]).strip())

    async def _copy_batches(self, spec: CoreTable) -> None:
        members: list[dict[str, Any]] = []
        lot_batch: dict[int, int] = {}

        def convert(row: dict[str, Any]) -> dict[str, Any]:
            values = self.batch(row)
            for member in values.pop("_members"):
                members.append({**member, "batch_id": values["id"]})
                lot_batch[member["lot_id"]] = values["id"]
            return values

        before = self.report.table("batch_nfts").imported
        await self.copy(replace(spec, convert=convert))
        imported = self.ids["batch_nfts"]
        new_members = [m for m in members if m["batch_id"] in imported]
        existing = {(b, p) for b, p in await self.conn.execute(select(BatchLot.batch_id, BatchLot.position))}
        new_members = [m for m in new_members if (m["batch_id"], m["position"]) not in existing]
        if self.report.table("batch_nfts").into:
            self.report.table("batch_nfts").target(BatchLot.__tablename__)
        if new_members:
            await self.conn.execute(BatchLot.__table__.insert(), new_members)
        if self.report.table("batch_nfts").imported > before:
            for lot_id, batch_id in lot_batch.items():
                if batch_id in imported:
                    await self.conn.execute(
                        ProducerLot.__table__.update()
                        .where(ProducerLot.id == lot_id)
                        .values(batch_id=batch_id)
                    )

    async def _reset_sequences(self) -> None:
        """PostgreSQL serials must continue after the imported ids."""
        if self.conn.dialect.name != "postgresql":
            return
        for spec in self.core_tables():
            name, table = spec.name, spec.table
            highest = await self.conn.scalar(select(func.max(table.c.id)))
            if highest:
                await self.conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), {int(highest)})")
                )
