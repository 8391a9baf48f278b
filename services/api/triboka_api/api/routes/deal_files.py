"""S-37..S-39: deal room files in the object store (`triboka_api.storage`).

The upload route has its own body limit (`UPLOAD_PATH`, see `api/uploads.py`). Every refusal happens before the
object store is written."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from triboka_api.api.deps import PrincipalDep, SessionDep, SettingsDep
from triboka_api.api.openapi import binary, documented, multipart_body
from triboka_api.api.schemas import deals as schemas
from triboka_api.api.uploads import (
    MULTIPART_ENVELOPE_BYTES,
    download,
    file_store_of,
    form_file,
    sha256_of,
    text_field,
)
from triboka_api.domain import deal_files, deals, upload_policy
from triboka_api.serializers.deals import file_item

router = APIRouter(tags=["deals"])

UPLOAD_PATH = re.compile(r"^/api/deals/[^/]+/upload$")


UPLOAD_DOC = multipart_body(
    ["file"],
    {
        "file": {"type": "string", "format": "binary"},
        "confidentiality": {"type": "string", "enum": ["PUBLIC", "PARTES", "SOLO_ADMIN"]},
        "description": {"type": "string"},
    },
)


@router.post(
    "/api/deals/{deal_id}/upload", **documented(schemas.FileUploaded, status=201), openapi_extra=UPLOAD_DOC
)
async def upload_file(
    deal_id: int, principal: PrincipalDep, request: Request, session: SessionDep, settings: SettingsDep
) -> schemas.FileUploaded:
    opened = await deals.open_deal(session, principal, deal_id)
    async with request.form(max_files=1, max_fields=4, max_part_size=MULTIPART_ENVELOPE_BYTES) as form:
        upload = form_file(form, "file", settings.max_upload_bytes)
        size = upload.size or 0
        head = await upload.read(upload_policy.SNIFF_BYTES)
        checked = deal_files.check_upload(
            opened.deal,
            opened.access,
            upload.filename,
            deal_files.parse_confidentiality(text_field(form, "confidentiality")),
            text_field(form, "description"),
            size,
            head,
        )
        digest = await sha256_of(upload)
        store = file_store_of(request)
        await store.put(checked.storage_key, upload.file)
    try:
        record = await deal_files.record_file(session, principal, opened.deal, checked, size, digest)
    except BaseException:
        await store.delete(checked.storage_key)  # no object without its record
        raise
    names = await deals.names_of_users(session, [principal.id])
    item = file_item(record, names)
    await request.app.state.deal_rooms.file_uploaded(
        deal_id, record.confidentiality, f"Archivo subido: {record.filename}", dict(item)
    )
    return {"message": "File uploaded", "file": item}


@router.get("/api/deals/{deal_id}/files", **documented(list[schemas.FileItem], 403))
async def list_files(deal_id: int, principal: PrincipalDep, session: SessionDep) -> list[schemas.FileItem]:
    opened = await deals.open_deal(session, principal, deal_id)
    records = await deal_files.visible_files(session, opened.deal, opened.access)
    names = await deals.names_of_users(session, [r.uploaded_by for r in records])
    return [file_item(r, names) for r in records]


@router.get(
    "/api/deals/{deal_id}/files/{file_id}/download",
    response_class=StreamingResponse,
    **binary("application/octet-stream", "the file, as an attachment (its own media type)", 403),
)
async def download_file(
    deal_id: int, file_id: str, principal: PrincipalDep, request: Request, session: SessionDep
) -> StreamingResponse:
    opened = await deals.open_deal(session, principal, deal_id)
    record = await deal_files.visible_file(session, opened.deal, opened.access, file_id)
    return await download(
        file_store_of(request),
        record.storage_key,
        filename=record.filename,
        media_type=upload_policy.media_type(record.file_type),
        size=record.file_size,
    )
