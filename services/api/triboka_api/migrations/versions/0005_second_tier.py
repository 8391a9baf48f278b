"""Second tier (issue 14): a hash chain over each entity's trace events, back-filled in recording order.

Revision ID: 0005_second_tier
Revises: 0003_legacy_rows
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from triboka_api.domain.trace_chain import seal_pending

revision: str = "0005_second_tier"
down_revision: str | None = "0004_deal_rooms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trace_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("previous_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("event_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ux_trace_events_entity_chain", ["entity_type", "entity_id", "chain_seq"], unique=True
        )
    seal_pending(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("trace_events", schema=None) as batch_op:
        batch_op.drop_index("ux_trace_events_entity_chain")
        batch_op.drop_column("event_hash")
        batch_op.drop_column("previous_hash")
        batch_op.drop_column("chain_seq")
