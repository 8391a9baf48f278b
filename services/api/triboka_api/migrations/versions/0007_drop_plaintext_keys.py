"""Drop companies.api_key: first-generation integration keys in clear (Δ 88). Keys live hashed in
company_api_keys (Δ 157); nothing reads this column, and a database that imported keys before Δ 88 would keep
them in clear (and in every backup) for as long as the column exists.

Revision ID: 0007_drop_plaintext_keys
Revises: 0006_integrations
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_drop_plaintext_keys"
down_revision: str | None = "0006_integrations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# SQLite rebuilds the table to drop a UNIQUE column; the copy must stay AUTOINCREMENT (ids never reused).
REBUILD = {"sqlite_autoincrement": True}


def upgrade() -> None:
    with op.batch_alter_table("companies", schema=None, table_kwargs=REBUILD) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_companies_api_key"), type_="unique")
        batch_op.drop_column("api_key")


def downgrade() -> None:
    # The keys are gone for good: the column comes back empty.
    with op.batch_alter_table("companies", schema=None, table_kwargs=REBUILD) as batch_op:
        batch_op.add_column(sa.Column("api_key", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_companies_api_key"), ["api_key"])
