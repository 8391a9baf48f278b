"""digital_identities, digital_signatures and kyc_documents: DIDs with Ed25519 keys, signatures, KYC (S-43..S-49)

Revision ID: 0008_did_kyc
Revises: 0007_drop_plaintext_keys
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_did_kyc"
down_revision: str | None = "0007_drop_plaintext_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digital_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("did", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("kyc_status", sa.String(length=50), nullable=False),
        sa.Column("kyc_verified_at", sa.DateTime(), nullable=True),
        sa.Column("kyc_verified_by", sa.Integer(), nullable=True),
        sa.Column("kyc_notes", sa.Text(), nullable=True),
        sa.Column("blockchain_address", sa.String(length=100), nullable=True),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("encrypted_private_key", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("reputation_score", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_digital_identities_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["kyc_verified_by"], ["users.id"], name=op.f("fk_digital_identities_kyc_verified_by_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_digital_identities_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_identities")),
        sa.UniqueConstraint("did", name=op.f("uq_digital_identities_did")),
        sa.UniqueConstraint("user_id", name=op.f("uq_digital_identities_user_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("digital_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digital_identities_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_digital_identities_kyc_status"), ["kyc_status"], unique=False)

    op.create_table(
        "digital_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("did_id", sa.Integer(), nullable=False),
        sa.Column("signer_did", sa.String(length=100), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=False),
        sa.Column("signer_name", sa.String(length=255), nullable=True),
        sa.Column("document_type", sa.String(length=50), nullable=False),
        sa.Column("document_id", sa.String(length=100), nullable=False),
        sa.Column("document_hash", sa.String(length=128), nullable=False),
        sa.Column("signed_message", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("signature_algorithm", sa.String(length=50), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=50), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["did_id"],
            ["digital_identities.id"],
            name=op.f("fk_digital_signatures_did_id_digital_identities"),
        ),
        sa.ForeignKeyConstraint(
            ["signer_id"], ["users.id"], name=op.f("fk_digital_signatures_signer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_signatures")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("digital_signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digital_signatures_did_id"), ["did_id"], unique=False)

    op.create_table(
        "kyc_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("did_id", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.String(length=50), nullable=False),
        sa.Column("document_number", sa.String(length=100), nullable=False),
        sa.Column("issuing_country", sa.String(length=100), nullable=True),
        sa.Column("issuing_authority", sa.String(length=255), nullable=True),
        sa.Column("document_hash", sa.String(length=128), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("file_type", sa.String(length=10), nullable=False),
        sa.Column("issued_at", sa.Date(), nullable=True),
        sa.Column("expires_at", sa.Date(), nullable=True),
        sa.Column("verification_status", sa.String(length=50), nullable=False),
        sa.Column("verified_by", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("verification_notes", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["did_id"], ["digital_identities.id"], name=op.f("fk_kyc_documents_did_id_digital_identities")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_kyc_documents_uploaded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"], ["users.id"], name=op.f("fk_kyc_documents_verified_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kyc_documents")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_kyc_documents_storage_key")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("kyc_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kyc_documents_did_id"), ["did_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_kyc_documents_verification_status"), ["verification_status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("kyc_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kyc_documents_verification_status"))
        batch_op.drop_index(batch_op.f("ix_kyc_documents_did_id"))

    op.drop_table("kyc_documents")
    with op.batch_alter_table("digital_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digital_signatures_did_id"))

    op.drop_table("digital_signatures")
    with op.batch_alter_table("digital_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digital_identities_kyc_status"))
        batch_op.drop_index(batch_op.f("ix_digital_identities_company_id"))

    op.drop_table("digital_identities")
