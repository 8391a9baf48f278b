"""Accounts and the security audit log: token versions, pending registrations, `audit_events`, and ids that
SQLite never hands out twice.

Revision ID: 0002_accounts_audit
Revises: 0001
Create Date: 2026-12-02 10:00:00

SQLite reuses the highest id of a deleted row unless the table is AUTOINCREMENT, so a deleted user's token named
the next registered user. SQLite cannot add AUTOINCREMENT in place: every table with an integer id is rebuilt in
batch mode (copy, drop, rename; env.py runs SQLite migrations with foreign keys off and checks them after).
PostgreSQL sequences never reuse ids, so there it is only the new columns and table. The downgrade keeps
AUTOINCREMENT (harmless, and ids must not be reused either way).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_accounts_audit"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the tables of 0001 whose primary key is one integer id (batch_lots has a composite key)
ID_TABLES = (
    "companies",
    "market_prices",
    "batch_nfts",
    "users",
    "deals",
    "export_contracts",
    "trace_events",
    "user_profiles",
    "contract_fixations",
    "deal_members",
    "deal_trace_links",
    "dispatches",
    "producer_lots",
    "trace_timelines",
)
# what batch mode's reflection cannot copy, added again around the rebuild: an expression index, a CHECK
LOWER_EMAIL_INDEX = "uq_users_lower_email"
CHECKS = {
    "export_contracts": ("fixed_within_total", "fixed_volume_mt >= 0 AND fixed_volume_mt <= total_volume_mt")
}


def _autoincrement_every_table() -> None:
    op.drop_index(LOWER_EMAIL_INDEX, table_name="users")
    for table in ID_TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ) as batch:
            if table in CHECKS:
                name, condition = CHECKS[table]
                batch.create_check_constraint(op.f(f"ck_{table}_{name}"), condition)
    op.create_index(LOWER_EMAIL_INDEX, "users", [sa.text("lower(email)")], unique=True)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _autoincrement_every_table()
    op.add_column(
        "users", sa.Column("pending_approval", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("users", sa.Column("token_version", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("target_user_id", sa.Integer(), nullable=True),
        sa.Column("target_email", sa.String(length=255), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sqlite_autoincrement=True,
    )
    for column in ("occurred_at", "event_type", "actor_user_id", "target_user_id"):
        op.create_index(op.f(f"ix_audit_events_{column}"), "audit_events", [column], unique=False)


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_index(LOWER_EMAIL_INDEX, table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_version")
        batch.drop_column("pending_approval")
    op.create_index(LOWER_EMAIL_INDEX, "users", [sa.text("lower(email)")], unique=True)
