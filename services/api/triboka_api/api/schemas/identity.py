"""S-43..S-49: digital identities, signatures and KYC documents (answers and request bodies)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from triboka_api.api.openapi import multipart_body
from triboka_api.api.schemas.matching import MatchPagination
from triboka_api.api.validation import RequestModel


class DidObject(BaseModel):
    """The contract's DID object, plus the public key (Δ 182; `blockchain_address` stays null, §1.7)."""

    id: int
    did: str
    user_id: int
    company_id: int | None
    kyc_status: str
    kyc_verified_at: str | None
    blockchain_address: None
    public_key: str = Field(description="raw Ed25519 public key, base64url without padding")
    key_algorithm: Literal["Ed25519"]
    reputation_score: float
    is_active: bool
    created_at: str
    updated_at: str


class ProfileData(BaseModel):
    name: str | None
    email: str | None
    company_name: str | None


class DidWithProfile(DidObject):
    """S-45 for the owner or an admin."""

    profile_data: ProfileData


class DidCreated(BaseModel):
    message: str
    did: DidWithProfile
    wallet_address: None
    warning: str


class DidView(BaseModel):
    did: DidWithProfile | DidObject


class DidReviewed(BaseModel):
    message: str
    did: DidObject


class DidList(BaseModel):
    dids: list[DidObject]
    pagination: MatchPagination


class SignatureObject(BaseModel):
    id: int
    did_id: int
    signer_did: str
    signer_id: int
    signer_name: str | None
    document_type: str
    document_id: str
    document_hash: str = Field(description="the event_hash: hex SHA-256 of the canonical JSON of event_data")
    signed_message: str = Field(description="the exact UTF-8 text the signature is over (canonical JSON)")
    signature: str = Field(description="Ed25519 signature, base64url without padding")
    signature_algorithm: Literal["Ed25519"]
    public_key: str
    status: str
    blockchain_tx_hash: None
    signed_at: str
    created_at: str


class SignResponse(BaseModel):
    message: str
    signature: SignatureObject
    event_hash: str


class SignatureList(BaseModel):
    signatures: list[SignatureObject]
    pagination: MatchPagination


class SignatureCheck(BaseModel):
    valid: bool
    signature_valid: bool
    event_hash_matches: bool
    event_hash: str
    signature: SignatureObject


class KycDocumentObject(BaseModel):
    """S-49's object, plus the file's facts, the review and where to download it (Δ 185)."""

    id: int
    did_id: int
    did: str
    document_type: str
    document_number: str
    issuing_country: str | None
    issuing_authority: str | None
    document_hash: str
    issued_at: str | None
    expires_at: str | None
    verification_status: str
    verified_at: str | None
    verification_notes: str | None
    notes: str | None
    filename: str
    file_size: int
    file_type: str
    download_url: str
    created_at: str


class KycUploaded(BaseModel):
    message: str
    kyc_document: KycDocumentObject


class KycList(BaseModel):
    kyc_documents: list[KycDocumentObject]


class KycReviewed(BaseModel):
    message: str
    kyc_document: KycDocumentObject


class ReviewDidBody(RequestModel):
    did_id: int | str
    notes: str | None = None


class SignBody(RequestModel):
    event_type: str = Field(max_length=50)
    event_id: int | str
    event_data: Any = None


class CheckSignatureBody(RequestModel):
    event_data: Any = None


class ReviewKycBody(RequestModel):
    status: str
    notes: str | None = None


KYC_UPLOAD_DOC = multipart_body(
    ["document_type", "document_number", "document_file"],
    {
        "document_type": {"type": "string", "enum": ["passport", "id_card", "license", "certificate"]},
        "document_number": {"type": "string", "maxLength": 100},
        "document_file": {"type": "string", "format": "binary"},
        "issuing_country": {"type": "string", "maxLength": 100},
        "issuing_authority": {"type": "string", "maxLength": 255},
        "issue_date": {"type": "string", "format": "date"},
        "expiry_date": {"type": "string", "format": "date"},
        "notes": {"type": "string"},
    },
)
