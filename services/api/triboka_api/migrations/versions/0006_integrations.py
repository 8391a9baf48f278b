"""company_api_keys (hashed integration keys, §5.9) and contact_requests (S-53) (issue 14, second part).

Revision ID: 0006_integrations
Revises: 0003_legacy_rows
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_integrations"
down_revision: str | None = "0005_second_tier"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "company_api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_company_api_keys_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_company_api_keys_created_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_company_api_keys_prefix")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("company_api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_company_api_keys_company_id"), ["company_id"], unique=False)
    op.create_table(
        "contact_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_company_id", sa.Integer(), nullable=False),
        sa.Column("from_user_id", sa.Integer(), nullable=True),
        sa.Column("producer_company_id", sa.Integer(), nullable=False),
        sa.Column("contact_type", sa.String(length=50), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column(
            "lot_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_company_id"], ["companies.id"], name=op.f("fk_contact_requests_from_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["from_user_id"], ["users.id"], name=op.f("fk_contact_requests_from_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["producer_company_id"],
            ["companies.id"],
            name=op.f("fk_contact_requests_producer_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_requests")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_requests_from_company_id"), ["from_company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contact_requests_producer_company_id"), ["producer_company_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_requests_producer_company_id"))
        batch_op.drop_index(batch_op.f("ix_contact_requests_from_company_id"))
    op.drop_table("contact_requests")
    with op.batch_alter_table("company_api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_company_api_keys_company_id"))
    op.drop_table("company_api_keys")
