"""Core schema: every table of the contract's §6 that the core endpoints use.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 22:32:33.102638
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("company_type", sa.String(length=50), nullable=True),
        sa.Column("country", sa.String(length=100), nullable=True),
        sa.Column("api_key", sa.String(length=100), nullable=True),
        sa.Column("blockchain_address", sa.String(length=100), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("api_key", name=op.f("uq_companies_api_key")),
    )
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_companies_company_type"), ["company_type"], unique=False)

    op.create_table(
        "market_prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=20), nullable=False),
        sa.Column("price_date", sa.Date(), nullable=False),
        sa.Column("close_usd_per_mt", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_prices")),
        sa.UniqueConstraint("symbol", "price_date", name=op.f("uq_market_prices_symbol_price_date")),
    )
    with op.batch_alter_table("market_prices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_market_prices_price_date"), ["price_date"], unique=False)

    op.create_table(
        "batch_nfts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_code", sa.String(length=100), nullable=False),
        sa.Column("total_weight_kg", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("batch_type", sa.String(length=50), nullable=True),
        sa.Column("location", sa.String(length=255), nullable=True),
        sa.Column("creator_company_id", sa.Integer(), nullable=True),
        sa.Column("current_owner_company_id", sa.Integer(), nullable=True),
        sa.Column("blockchain_batch_id", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=50), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["creator_company_id"], ["companies.id"], name=op.f("fk_batch_nfts_creator_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["current_owner_company_id"],
            ["companies.id"],
            name=op.f("fk_batch_nfts_current_owner_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_nfts")),
        sa.UniqueConstraint("batch_code", name=op.f("uq_batch_nfts_batch_code")),
    )
    with op.batch_alter_table("batch_nfts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_batch_nfts_creator_company_id"), ["creator_company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_batch_nfts_current_owner_company_id"), ["current_owner_company_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_batch_nfts_status"), ["status"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("keycloak_id", sa.String(length=36), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=True),
        sa.Column("last_name", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("role", sa.String(length=50), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_users_company_id_companies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("keycloak_id", name=op.f("uq_users_keycloak_id")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_role"), ["role"], unique=False)

    op.create_table(
        "deals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_code", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=True),
        sa.Column("exporter_id", sa.Integer(), nullable=True),
        sa.Column(
            "terms_public",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "terms_private",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "visibility_rules",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["admin_id"], ["users.id"], name=op.f("fk_deals_admin_id_users")),
        sa.ForeignKeyConstraint(
            ["exporter_id"], ["companies.id"], name=op.f("fk_deals_exporter_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"], ["companies.id"], name=op.f("fk_deals_producer_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deals")),
        sa.UniqueConstraint("deal_code", name=op.f("uq_deals_deal_code")),
    )
    op.create_table(
        "export_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_code", sa.String(length=100), nullable=False),
        sa.Column("buyer_company_id", sa.Integer(), nullable=True),
        sa.Column("exporter_company_id", sa.Integer(), nullable=True),
        sa.Column("product_type", sa.String(length=100), nullable=True),
        sa.Column("product_grade", sa.String(length=50), nullable=True),
        sa.Column("total_volume_mt", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("fixed_volume_mt", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("differential_usd", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("start_date", sa.DateTime(), nullable=True),
        sa.Column("end_date", sa.DateTime(), nullable=True),
        sa.Column("delivery_date", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=50), nullable=False),
        sa.Column("blockchain_contract_id", sa.String(length=100), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "fixed_volume_mt >= 0 AND fixed_volume_mt <= total_volume_mt",
            name=op.f("ck_export_contracts_fixed_within_total"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_company_id"],
            ["companies.id"],
            name=op.f("fk_export_contracts_buyer_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_export_contracts_created_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["exporter_company_id"],
            ["companies.id"],
            name=op.f("fk_export_contracts_exporter_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_contracts")),
        sa.UniqueConstraint("contract_code", name=op.f("uq_export_contracts_contract_code")),
    )
    with op.batch_alter_table("export_contracts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_export_contracts_buyer_company_id"), ["buyer_company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_export_contracts_created_by_user_id"), ["created_by_user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_export_contracts_exporter_company_id"), ["exporter_company_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_export_contracts_product_type"), ["product_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_contracts_status"), ["status"], unique=False)

    op.create_table(
        "trace_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("entity_type", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("location", sa.String(length=255), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=255), nullable=True),
        sa.Column(
            "event_data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "measurements",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("blockchain_tx_hash", sa.String(length=100), nullable=True),
        sa.Column("blockchain_block_number", sa.Integer(), nullable=True),
        sa.Column("blockchain_timestamp", sa.DateTime(), nullable=True),
        sa.Column("digital_signature_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=50), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("event_timestamp", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_trace_events_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trace_events")),
    )
    with op.batch_alter_table("trace_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trace_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            "ix_trace_events_entity_time", ["entity_type", "entity_id", "event_timestamp"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trace_events_event_timestamp"), ["event_timestamp"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_trace_events_event_type"), ["event_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_trace_events_is_public"), ["is_public"], unique=False)

    op.create_index("uq_users_lower_email", "users", [sa.text("lower(email)")], unique=True)

    op.create_table(
        "user_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=True),
        sa.Column("product_type", sa.String(length=100), nullable=True),
        sa.Column("business_type", sa.String(length=50), nullable=True),
        sa.Column(
            "additional_data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_profiles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_profiles")),
        sa.UniqueConstraint("user_id", name=op.f("uq_user_profiles_user_id")),
    )
    op.create_table(
        "contract_fixations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("export_contract_id", sa.Integer(), nullable=False),
        sa.Column("fixed_quantity_mt", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("spot_price_usd", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("total_value_usd", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("differential_usd", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("fixation_date", sa.DateTime(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("blockchain_fixation_id", sa.String(length=100), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_contract_fixations_created_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["export_contract_id"],
            ["export_contracts.id"],
            name=op.f("fk_contract_fixations_export_contract_id_export_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_fixations")),
    )
    with op.batch_alter_table("contract_fixations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_fixations_created_by_user_id"), ["created_by_user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contract_fixations_export_contract_id"), ["export_contract_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contract_fixations_fixation_date"), ["fixation_date"], unique=False
        )

    op.create_table(
        "deal_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("party_type", sa.String(length=20), nullable=False),
        sa.Column("role_in_deal", sa.String(length=20), nullable=False),
        sa.Column(
            "permissions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("invited_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_deal_members_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_members")),
    )
    with op.batch_alter_table("deal_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_members_deal_id"), ["deal_id"], unique=False)

    op.create_table(
        "deal_trace_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column(
            "lote_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "batch_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "events",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_deal_trace_links_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_trace_links")),
    )
    with op.batch_alter_table("deal_trace_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_trace_links_deal_id"), ["deal_id"], unique=False)

    op.create_table(
        "dispatches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_code", sa.String(length=50), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("quantity_mt", sa.Numeric(precision=10, scale=3), nullable=False),
        sa.Column("destination_country", sa.String(length=100), nullable=False),
        sa.Column("destination_port", sa.String(length=255), nullable=True),
        sa.Column("destination_company", sa.String(length=255), nullable=True),
        sa.Column("shipping_date", sa.Date(), nullable=False),
        sa.Column("estimated_delivery_date", sa.Date(), nullable=True),
        sa.Column("actual_delivery_date", sa.Date(), nullable=True),
        sa.Column("carrier_name", sa.String(length=255), nullable=True),
        sa.Column("vessel_name", sa.String(length=255), nullable=True),
        sa.Column("tracking_number", sa.String(length=100), nullable=True),
        sa.Column("bill_of_lading", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=50), nullable=False),
        sa.Column("freight_cost_usd", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("insurance_cost_usd", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("other_costs_usd", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "documents",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch_nfts.id"], name=op.f("fk_dispatches_batch_id_batch_nfts")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["export_contracts.id"], name=op.f("fk_dispatches_contract_id_export_contracts")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_dispatches_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatches")),
        sa.UniqueConstraint("dispatch_code", name=op.f("uq_dispatches_dispatch_code")),
    )
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatches_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatches_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatches_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatches_created_by_id"), ["created_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatches_shipping_date"), ["shipping_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatches_status"), ["status"], unique=False)

    op.create_table(
        "producer_lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_code", sa.String(length=100), nullable=False),
        sa.Column("producer_company_id", sa.Integer(), nullable=True),
        sa.Column("producer_name", sa.String(length=255), nullable=True),
        sa.Column("farm_name", sa.String(length=255), nullable=True),
        sa.Column("location", sa.String(length=255), nullable=True),
        sa.Column("product_type", sa.String(length=100), nullable=True),
        sa.Column("weight_kg", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("quality_grade", sa.String(length=50), nullable=True),
        sa.Column("moisture_content", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("harvest_date", sa.DateTime(), nullable=True),
        sa.Column("purchase_date", sa.DateTime(), nullable=True),
        sa.Column("purchase_price_usd", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("certifications", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=50), nullable=False),
        sa.Column("blockchain_lot_id", sa.String(length=100), nullable=True),
        sa.Column("export_contract_id", sa.Integer(), nullable=True),
        sa.Column("purchased_by_company_id", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("purchase_tx_hash", sa.String(length=100), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch_nfts.id"], name=op.f("fk_producer_lots_batch_id_batch_nfts")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_producer_lots_created_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["export_contract_id"],
            ["export_contracts.id"],
            name=op.f("fk_producer_lots_export_contract_id_export_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["producer_company_id"],
            ["companies.id"],
            name=op.f("fk_producer_lots_producer_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["purchased_by_company_id"],
            ["companies.id"],
            name=op.f("fk_producer_lots_purchased_by_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_producer_lots")),
        sa.UniqueConstraint("lot_code", name=op.f("uq_producer_lots_lot_code")),
    )
    with op.batch_alter_table("producer_lots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_producer_lots_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_producer_lots_blockchain_lot_id"), ["blockchain_lot_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_producer_lots_created_by_user_id"), ["created_by_user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_producer_lots_export_contract_id"), ["export_contract_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_producer_lots_harvest_date"), ["harvest_date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_producer_lots_producer_company_id"), ["producer_company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_producer_lots_purchased_by_company_id"), ["purchased_by_company_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_producer_lots_quality_grade"), ["quality_grade"], unique=False)
        batch_op.create_index(batch_op.f("ix_producer_lots_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_producer_lots_weight_kg"), ["weight_kg"], unique=False)

    op.create_table(
        "trace_timelines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column("parent_event_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=50), nullable=False),
        sa.Column("total_events", sa.Integer(), nullable=False),
        sa.Column("completed_events", sa.Integer(), nullable=False),
        sa.Column("blockchain_events", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("estimated_completion", sa.DateTime(), nullable=True),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "custom_data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_event_id"],
            ["trace_events.id"],
            name=op.f("fk_trace_timelines_parent_event_id_trace_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trace_timelines")),
        sa.UniqueConstraint(
            "entity_type", "entity_id", name=op.f("uq_trace_timelines_entity_type_entity_id")
        ),
    )
    op.create_table(
        "batch_lots",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("weight_kg", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["batch_nfts.id"],
            name=op.f("fk_batch_lots_batch_id_batch_nfts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["producer_lots.id"], name=op.f("fk_batch_lots_lot_id_producer_lots")
        ),
        sa.PrimaryKeyConstraint("batch_id", "position", name=op.f("pk_batch_lots")),
    )
    with op.batch_alter_table("batch_lots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_lots_lot_id"), ["lot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("batch_lots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_lots_lot_id"))

    op.drop_table("batch_lots")
    op.drop_table("trace_timelines")
    with op.batch_alter_table("producer_lots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_producer_lots_weight_kg"))
        batch_op.drop_index(batch_op.f("ix_producer_lots_status"))
        batch_op.drop_index(batch_op.f("ix_producer_lots_quality_grade"))
        batch_op.drop_index(batch_op.f("ix_producer_lots_purchased_by_company_id"))
        batch_op.drop_index(batch_op.f("ix_producer_lots_producer_company_id"))
        batch_op.drop_index(batch_op.f("ix_producer_lots_harvest_date"))
        batch_op.drop_index(batch_op.f("ix_producer_lots_export_contract_id"))
        batch_op.drop_index(batch_op.f("ix_producer_lots_created_by_user_id"))
        batch_op.drop_index(batch_op.f("ix_producer_lots_blockchain_lot_id"))
        batch_op.drop_index(batch_op.f("ix_producer_lots_batch_id"))

    op.drop_table("producer_lots")
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatches_status"))
        batch_op.drop_index(batch_op.f("ix_dispatches_shipping_date"))
        batch_op.drop_index(batch_op.f("ix_dispatches_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_dispatches_created_at"))
        batch_op.drop_index(batch_op.f("ix_dispatches_contract_id"))
        batch_op.drop_index(batch_op.f("ix_dispatches_batch_id"))

    op.drop_table("dispatches")
    with op.batch_alter_table("deal_trace_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deal_trace_links_deal_id"))

    op.drop_table("deal_trace_links")
    with op.batch_alter_table("deal_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deal_members_deal_id"))

    op.drop_table("deal_members")
    with op.batch_alter_table("contract_fixations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_fixations_fixation_date"))
        batch_op.drop_index(batch_op.f("ix_contract_fixations_export_contract_id"))
        batch_op.drop_index(batch_op.f("ix_contract_fixations_created_by_user_id"))

    op.drop_table("contract_fixations")
    op.drop_table("user_profiles")
    op.drop_index("uq_users_lower_email", table_name="users")
    with op.batch_alter_table("trace_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trace_events_is_public"))
        batch_op.drop_index(batch_op.f("ix_trace_events_event_type"))
        batch_op.drop_index(batch_op.f("ix_trace_events_event_timestamp"))
        batch_op.drop_index("ix_trace_events_entity_time")
        batch_op.drop_index(batch_op.f("ix_trace_events_actor_id"))

    op.drop_table("trace_events")
    with op.batch_alter_table("export_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_contracts_status"))
        batch_op.drop_index(batch_op.f("ix_export_contracts_product_type"))
        batch_op.drop_index(batch_op.f("ix_export_contracts_exporter_company_id"))
        batch_op.drop_index(batch_op.f("ix_export_contracts_created_by_user_id"))
        batch_op.drop_index(batch_op.f("ix_export_contracts_buyer_company_id"))

    op.drop_table("export_contracts")
    op.drop_table("deals")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_role"))
        batch_op.drop_index(batch_op.f("ix_users_company_id"))

    op.drop_table("users")
    with op.batch_alter_table("batch_nfts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_nfts_status"))
        batch_op.drop_index(batch_op.f("ix_batch_nfts_current_owner_company_id"))
        batch_op.drop_index(batch_op.f("ix_batch_nfts_creator_company_id"))

    op.drop_table("batch_nfts")
    with op.batch_alter_table("market_prices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_prices_price_date"))

    op.drop_table("market_prices")
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_companies_company_type"))

    op.drop_table("companies")
