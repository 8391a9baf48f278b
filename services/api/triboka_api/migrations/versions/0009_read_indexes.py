"""Lot list order indexes (issue 16, goal 5): C-13's order alone and after status and producer, so that pages and
scoped lists read in order instead of sorting every match (docs/benchmarks.md shows the plans at 10k..1M lots).

Revision ID: 0009_read_indexes
Revises: 0008_did_kyc
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_read_indexes"
down_revision: str | None = "0008_did_kyc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name -> leading equality columns (models.lot.LOT_ORDER_INDEXES, spelled out: a migration does not import models)
INDEXES = {
    "ix_producer_lots_harvest_order": (),
    "ix_producer_lots_status_harvest_order": ("status",),
    "ix_producer_lots_company_harvest_order": ("producer_company_id",),
}


def upgrade() -> None:
    # PostgreSQL sorts NULLs first in DESC order, SQLite last (as C-13 wants) and has no NULLS clause in an index
    nulls = " NULLS LAST" if op.get_bind().dialect.name == "postgresql" else ""
    for name, leading in INDEXES.items():
        op.create_index(
            name,
            "producer_lots",
            [*(sa.column(c) for c in leading), sa.text(f"harvest_date DESC{nulls}"), sa.text("id DESC")],
        )


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="producer_lots")
