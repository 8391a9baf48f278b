"""Deal rooms (issue 13): notes, messages, the private finance sheet, file records, and members' joined_at.

Revision ID: 0004_deal_rooms
Revises: 0003_legacy_rows
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_deal_rooms"
down_revision: str | None = "0003_legacy_rows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _deal_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["deal_id"], ["deals.id"], name=op.f(f"fk_{table}_deal_id_deals"), ondelete="CASCADE"
    )


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"))


def _deal_index(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_deal_id"), ["deal_id"], unique=False)


def upgrade() -> None:
    with op.batch_alter_table("deal_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("joined_at", sa.DateTime(), nullable=True))
    op.create_table(
        "deal_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("attachments", JSON, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _deal_fk("deal_notes"),
        _user_fk("deal_notes", "author_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_notes")),
        sqlite_autoincrement=True,
    )
    _deal_index("deal_notes")
    op.create_table(
        "deal_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("message_type", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("attachments", JSON, nullable=True),
        sa.Column("is_read", sa.Boolean(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _deal_fk("deal_messages"),
        _user_fk("deal_messages", "author_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_messages")),
        sqlite_autoincrement=True,
    )
    _deal_index("deal_messages")
    op.create_table(
        "deal_finance_private",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("costo_admin", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("precio_admin", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("margen_pct", sa.Numeric(precision=16, scale=4), nullable=True),
        sa.Column("margen_abs", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=10), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _deal_fk("deal_finance_private"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_finance_private")),
        sa.UniqueConstraint("deal_id", name=op.f("uq_deal_finance_private_deal_id")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "deal_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("file_type", sa.String(length=10), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("confidentiality", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        _deal_fk("deal_files"),
        _user_fk("deal_files", "uploaded_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_files")),
        sa.UniqueConstraint("public_id", name=op.f("uq_deal_files_public_id")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_deal_files_storage_key")),
        sqlite_autoincrement=True,
    )
    _deal_index("deal_files")


def downgrade() -> None:
    op.drop_table("deal_finance_private")
    for table in ("deal_files", "deal_messages", "deal_notes"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_deal_id"))
        op.drop_table(table)
    with op.batch_alter_table("deal_members", schema=None) as batch_op:
        batch_op.drop_column("joined_at")
