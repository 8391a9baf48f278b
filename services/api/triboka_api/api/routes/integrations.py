"""S-55..S-57 (AgroWeight, authenticated by a company API key) and the admin's key management (Δ 157, 158)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from triboka_api.api.api_key_auth import KeyCompanyDep, integration_errors, user_or_key
from triboka_api.api.deps import SessionDep, require_roles
from triboka_api.api.errors import ApiError, IntegrationError
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.schemas.integrations import (
    ApiKeyView,
    ExportBatchMetadata,
    ExportBatchResponse,
    IssuedKeyResponse,
    KeyListResponse,
    LotEvent,
    LotEventResponse,
    LotMetadata,
    NftBatch,
    NftBatchResponse,
    NftLot,
    NftLotResponse,
    ProducerResponse,
    RevokedKeyResponse,
)
from triboka_api.api.validation import RequestModel, parse_body, read_json
from triboka_api.domain import agroweight, api_keys, erp_hooks
from triboka_api.domain.lots import quality_score
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.models import CompanyApiKey
from triboka_api.serializers.common import certification_list, iso, num
from triboka_api.serializers.lots import lot_available_item

router = APIRouter(tags=["integrations"])

AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


class IssueKeyBody(RequestModel):
    label: str | None = None
    replace_existing: bool = False


def _key_view(row: CompanyApiKey) -> ApiKeyView:
    return ApiKeyView(
        id=row.id,
        company_id=row.company_id,
        prefix=row.prefix,
        label=row.label,
        created_at=iso(row.created_at),
        revoked_at=iso(row.revoked_at),
        active=row.revoked_at is None,
    )


@router.post(
    "/api/companies/{company_id}/api-keys",
    openapi_extra=json_body(IssueKeyBody),
    **documented(IssuedKeyResponse, 404, status=201),
)
async def issue_api_key(
    company_id: int, principal: AdminDep, request: Request, session: SessionDep
) -> IssuedKeyResponse:
    """Δ 157: a new key for the company (admin only; body `{}` or `{label, replace_existing}`).
    `replace_existing: true` rotates: the company's other keys are revoked in the same commit. The key is in
    this response only."""
    body = parse_body(IssueKeyBody, await read_json(request))
    issued = await api_keys.issue_key(
        session,
        company_id,
        label=body.label,
        issued_by=principal.id,
        replace_existing=body.replace_existing,
    )
    return IssuedKeyResponse(message="API key issued", api_key=issued.key, key=_key_view(issued.row))


@router.get("/api/companies/{company_id}/api-keys", **documented(KeyListResponse, 404))
async def list_api_keys(company_id: int, _: AdminDep, session: SessionDep) -> KeyListResponse:
    """Δ 157: the company's keys (prefix and state, never the secret or its digest)."""
    return KeyListResponse(keys=[_key_view(row) for row in await api_keys.company_keys(session, company_id)])


@router.delete("/api/companies/{company_id}/api-keys/{key_id}", **documented(RevokedKeyResponse, 404))
async def revoke_api_key(
    company_id: int, key_id: int, _: AdminDep, session: SessionDep
) -> RevokedKeyResponse:
    """Δ 157: revoke a key; it stops authenticating at once (idempotent)."""
    row = await api_keys.revoke_key(session, company_id, key_id)
    return RevokedKeyResponse(message="API key revoked", key=_key_view(row))


@router.get("/api/lotes/nft/{nft_hash}", **documented(NftLotResponse, 404))
async def lot_by_nft(nft_hash: str, _: KeyCompanyDep, session: SessionDep) -> NftLotResponse:
    """S-55: a lot by `blockchain_lot_id` or `lot_code`; any key sees any lot (the contract)."""
    with integration_errors():
        lot = await agroweight.lot_by_nft(session, nft_hash)
    return NftLotResponse(
        success=True,
        lote=NftLot(
            **lot_available_item(lot),
            status=lot.status,
            metadata=LotMetadata(
                moisture_content=num(lot.moisture_content),
                quality_score=quality_score(lot.quality_grade),
                certifications_list=certification_list(lot.certifications),
            ),
        ),
    )


class LotEventBody(RequestModel):
    tipo: str
    descripcion: str | None = None


async def _integration_body(request: Request, model: type[RequestModel]) -> dict[str, Any]:
    """The body, checked like every body (bounds, required fields, types), refused in the integration's shape."""
    try:
        data = await read_json(request)
        parse_body(model, data)
    except ApiError as exc:
        raise IntegrationError(exc.status_code, "Invalid request", exc.message) from exc
    return data


@router.post(
    "/api/lotes/{lote_id}/eventos",
    openapi_extra=json_body(LotEventBody),
    **documented(LotEventResponse, 400, 403, 404),
)
async def record_lot_event(
    lote_id: int, company_id: KeyCompanyDep, request: Request, session: SessionDep
) -> LotEventResponse:
    """S-56: a trace event on a lot of the key's company (Δ 159); the whole body is kept as the event's data."""
    data = await _integration_body(request, LotEventBody)
    with integration_errors():
        event = await agroweight.record_lot_event(session, company_id, lote_id, data)
    return LotEventResponse(
        success=True,
        message="Evento registrado",
        evento=LotEvent(
            id=event.id,
            tipo=event.event_type,
            lote_id=lote_id,
            company_id=company_id,
            timestamp=iso(event.event_timestamp),
            data=event.event_data or {},
        ),
    )


class BatchLotRef(RequestModel):
    id: int


class BatchNftBody(RequestModel):
    batch_code: str = Field(max_length=100)
    lotes: list[BatchLotRef]
    batch_type: str = Field(default="export", max_length=50)
    location: str | None = Field(default=None, max_length=255)


@router.post("/api/batch-nft", openapi_extra=json_body(BatchNftBody), **documented(NftBatchResponse, 400))
async def batch_nft(company_id: KeyCompanyDep, request: Request, session: SessionDep) -> NftBatchResponse:
    """S-57: a batch of the key's company from its purchased lots; other lots are skipped (Δ 159, 160)."""
    body = BatchNftBody.model_validate(await _integration_body(request, BatchNftBody))
    with integration_errors():
        batch = await agroweight.batch_from_lots(
            session,
            company_id,
            agroweight.BatchRequest(
                batch_code=body.batch_code,
                lot_ids=[ref.id for ref in body.lotes],
                batch_type=body.batch_type,
                location=body.location,
            ),
        )
    return NftBatchResponse(
        success=True,
        message="Batch created",
        batch=NftBatch(
            id=batch.id,
            batch_code=batch.batch_code,
            total_weight_kg=float(batch.total_weight_kg),
            lotes_count=len(batch.members),
            blockchain_batch_id=None,
            status=batch.status,
            company_id=company_id,
            created_at=iso(batch.created_at),
        ),
    )


@router.get(
    "/api/producers/{producer_id}",
    dependencies=[Depends(user_or_key)],
    **documented(ProducerResponse, 401, 404),
)
async def producer_profile(producer_id: int, session: SessionDep) -> ProducerResponse:
    """S-68: a producer company from its data (Δ 194); a user's JWT or a company API key is required."""
    profile = await erp_hooks.producer_profile(session, producer_id)
    company = profile.company
    return ProducerResponse(
        id=company.id,
        name=company.name,
        farm_name=company.name,
        cacao_variety=", ".join(profile.varieties) or None,
        certifications=profile.certifications,
        phone=None,
        email=company.email,
        location=profile.location,
        active=company.is_active,
    )


MAX_WEIGHT_KG = Decimal("9999999999.99")  # the batch weight column, NUMERIC(12, 2)


class ErpBatchRef(RequestModel):
    codigo: str = Field(min_length=1, max_length=100)


class ErpCustomer(RequestModel):
    nombre: str | None = Field(default=None, max_length=255)


class ErpLotRef(RequestModel):
    codigo_lote_erp: str | None = Field(default=None, max_length=100)
    codigo_lote_triboka_agro: str | None = Field(default=None, max_length=100)


class ErpTotals(RequestModel):
    peso_kg: Decimal | None = Field(default=None, gt=0, le=MAX_WEIGHT_KG)
    peso_qq: Decimal | None = Field(default=None, gt=0, le=MAX_WEIGHT_KG / erp_hooks.KG_PER_QUINTAL)
    numero_lotes: int | None = Field(default=None, ge=0, le=100_000)
    calidad_promedio: float | None = Field(default=None, ge=0, le=100)


class ErpDispatch(RequestModel):
    pais_destino: str | None = Field(default=None, max_length=255)


class CreateExportBody(RequestModel):
    batch_erp: ErpBatchRef
    lotes: list[ErpLotRef] = Field(max_length=1000)
    cliente: ErpCustomer | None = None
    totales: ErpTotals | None = None
    despacho: ErpDispatch | None = None
    certificaciones: list[str] | str | None = None


@router.post(
    "/api/batches/create-export",
    openapi_extra=json_body(CreateExportBody),
    **documented(ExportBatchResponse, 400, status=201),
)
async def create_export_batch(
    company_id: KeyCompanyDep, request: Request, session: SessionDep
) -> ExportBatchResponse:
    """S-69: an export batch the ERP announces, for the API key's company (Δ 195); chain-less answer."""
    body = CreateExportBody.model_validate(await _integration_body(request, CreateExportBody))
    totals = body.totales or ErpTotals()
    destination = body.despacho.pais_destino if body.despacho else None
    with integration_errors():
        batch = await erp_hooks.create_export_batch(
            session,
            company_id,
            erp_hooks.ExportBatchRequest(
                batch_code=body.batch_erp.codigo,
                destination=destination,
                weight_kg=totals.peso_kg,
                weight_qq=totals.peso_qq,
            ),
        )
    weight_qq = totals.peso_qq or batch.total_weight_kg / erp_hooks.KG_PER_QUINTAL
    return ExportBatchResponse(
        success=True,
        batch_id=batch.id,
        blockchain_hash=None,
        block_number=None,
        transaction_hash=None,
        timestamp=iso(batch.created_at),
        nft_token_id=None,
        nft_contract_address=None,
        nft_metadata_url=None,
        nft_image_url=None,
        nft_opensea_url=None,
        metadata=ExportBatchMetadata(
            batch_code=batch.batch_code,
            total_weight_qq=round(float(weight_qq), 2),
            num_lots=totals.numero_lotes if totals.numero_lotes is not None else len(body.lotes),
            quality=totals.calidad_promedio,
            destination=destination,
            client=body.cliente.nombre if body.cliente else None,
        ),
    )
