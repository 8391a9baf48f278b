"""legacy_rows: first-generation rows kept as they were by `import-sqlite` (issue 20).

Revision ID: 0003_legacy_rows
Revises: 0002_accounts_audit
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_legacy_rows"
down_revision: str | None = "0002_accounts_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "legacy_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_table", sa.String(length=128), nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("mapped_to", sa.String(length=128), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legacy_rows")),
        sa.UniqueConstraint(
            "source_table", "source_key", "digest", name=op.f("uq_legacy_rows_source_table_source_key_digest")
        ),
        sqlite_autoincrement=True,  # as every table since 0002: ids are never handed out twice
    )
    with op.batch_alter_table("legacy_rows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legacy_rows_source_table"), ["source_table"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("legacy_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legacy_rows_source_table"))
    op.drop_table("legacy_rows")
