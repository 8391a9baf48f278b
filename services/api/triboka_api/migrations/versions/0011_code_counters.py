"""code_counters: one counter per code base, seeded from the stored codes (issue 16, goal 2): allocating a lot,
batch, purchase contract, dispatch or deal code becomes one upsert instead of a lock held to COMMIT and a scan.

Revision ID: 0011_code_counters
Revises: 0010_erp
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from triboka_api.domain.codes import seed_code_counters

revision: str = "0011_code_counters"
down_revision: str | None = "0010_erp"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "code_counters",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_code_counters")),
    )
    seed_code_counters(op.get_bind())


def downgrade() -> None:
    op.drop_table("code_counters")
