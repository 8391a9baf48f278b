"""Digital identities, their signatures and KYC documents (§5.7, §6.1; issue 14).

Each identity holds an Ed25519 key pair: the public key in clear, the private key encrypted at rest
(`domain/key_ring.py`), in an envelope that names its encryption key so that keys can be rotated.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triboka_api.models.base import Base, Sign, amount, created_ts, intpk, str50, str100, str255, updated_ts


class DigitalIdentity(Base):
    __tablename__ = "digital_identities"

    id: Mapped[intpk]
    did: Mapped[str] = mapped_column(String(255), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)  # one DID per user (S-43)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    kyc_status: Mapped[str50] = mapped_column(default="pending", index=True)
    kyc_verified_at: Mapped[datetime | None]
    kyc_verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kyc_notes: Mapped[str | None] = mapped_column(Text)
    blockchain_address: Mapped[str | None] = mapped_column(String(100))  # §1.7: always null
    public_key: Mapped[str] = mapped_column(String(64))  # raw Ed25519 key, base64url without padding
    # the raw private key sealed by the key ring: `v1:<key id>:<nonce + AES-256-GCM ciphertext, base64url>`
    encrypted_private_key: Mapped[str] = mapped_column(Text)
    reputation_score: Mapped[Decimal] = amount(5, 2, Sign.NON_NEGATIVE, default=Decimal("0"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_ts]
    updated_at: Mapped[updated_ts]


class DigitalSignature(Base):
    """A signature of an event (S-47): Ed25519 over `signed_message`, the canonical statement that names the
    signer, the event and the SHA-256 of its data (`document_hash`)."""

    __tablename__ = "digital_signatures"

    id: Mapped[intpk]
    did_id: Mapped[int] = mapped_column(ForeignKey("digital_identities.id"), index=True)
    signer_did: Mapped[str100]
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signer_name: Mapped[str255 | None]
    document_type: Mapped[str50]
    document_id: Mapped[str100]
    document_hash: Mapped[str] = mapped_column(String(128))
    signed_message: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(Text)
    signature_algorithm: Mapped[str50] = mapped_column(default="Ed25519")
    public_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str50] = mapped_column(default="valid")
    signed_at: Mapped[datetime]
    created_at: Mapped[created_ts]


class KycDocument(Base):
    """A KYC document (S-49); the file lives in the object store under `storage_key`."""

    __tablename__ = "kyc_documents"

    id: Mapped[intpk]
    did_id: Mapped[int] = mapped_column(ForeignKey("digital_identities.id"), index=True)
    document_type: Mapped[str50]
    document_number: Mapped[str100]
    issuing_country: Mapped[str100 | None]
    issuing_authority: Mapped[str255 | None]
    document_hash: Mapped[str] = mapped_column(String(128))  # SHA-256 of the file, hex
    filename: Mapped[str255]
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    file_size: Mapped[int] = mapped_column(BigInteger)
    file_type: Mapped[str] = mapped_column(String(10))
    issued_at: Mapped[date | None]
    expires_at: Mapped[date | None]
    verification_status: Mapped[str50] = mapped_column(default="pending", index=True)
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]
    verification_notes: Mapped[str | None] = mapped_column(Text)  # the reviewing admin's
    notes: Mapped[str | None] = mapped_column(Text)  # the owner's, sent with the upload
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_ts]
    updated_at: Mapped[updated_ts]
