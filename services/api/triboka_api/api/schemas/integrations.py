"""Company API keys (Δ 157, 158) and the AgroWeight answers S-55..S-57."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from triboka_api.api.schemas.common import Message
from triboka_api.api.schemas.lots import LotAvailable


class ApiKeyView(BaseModel):
    id: int
    company_id: int
    prefix: str
    label: str | None
    created_at: str | None
    revoked_at: str | None
    active: bool


class IssuedKeyResponse(Message):
    api_key: str = Field(description="The key itself: shown once, never stored in clear")
    key: ApiKeyView


class KeyListResponse(BaseModel):
    keys: list[ApiKeyView]


class RevokedKeyResponse(Message):
    key: ApiKeyView


class LotMetadata(BaseModel):
    moisture_content: float | None
    quality_score: float | None
    certifications_list: list[str]


class NftLot(LotAvailable):
    status: str
    metadata: LotMetadata


class NftLotResponse(BaseModel):
    success: bool
    lote: NftLot


class LotEvent(BaseModel):
    id: int
    tipo: str
    lote_id: int
    company_id: int
    timestamp: str | None
    data: dict[str, Any]


class LotEventResponse(Message):
    success: bool
    evento: LotEvent


class NftBatch(BaseModel):
    id: int
    batch_code: str
    total_weight_kg: float
    lotes_count: int
    blockchain_batch_id: str | None
    status: str
    company_id: int
    created_at: str | None


class NftBatchResponse(Message):
    success: bool
    batch: NftBatch


class ProducerResponse(BaseModel):
    """S-68 (Δ 194): from the company and its lots."""

    id: int
    name: str
    farm_name: str
    cacao_variety: str | None = Field(description="The product types of its lots, comma-separated")
    certifications: list[str] = Field(description="Every certification its lots carry")
    phone: str | None = Field(description="Always null: no table stores a phone number")
    email: str | None
    location: str | None = Field(description="Its latest lot's location, else its country")
    active: bool


class ExportBatchMetadata(BaseModel):
    batch_code: str
    total_weight_qq: float
    num_lots: int
    quality: float | None
    destination: str | None
    client: str | None


class ExportBatchResponse(BaseModel):
    """S-69, chain-less: every chain and NFT field is null (§1.7); the batch's status is `created`."""

    success: bool
    batch_id: int
    blockchain_hash: None
    block_number: None
    transaction_hash: None
    timestamp: str | None
    nft_token_id: None
    nft_contract_address: None
    nft_metadata_url: None
    nft_image_url: None
    nft_opensea_url: None
    metadata: ExportBatchMetadata
