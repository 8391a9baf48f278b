"""S-37..S-39: deal room files in the object store (`triboka_api.storage`).

The upload route has its own body limit (`UPLOAD_PATH`, `TRIBOKA_MAX_UPLOAD_BYTES` plus room for the multipart
envelope), counted by the body-limit middleware as the bytes arrive; the multipart parser spools the file to a
temporary file (memory up to 1 MiB, disk beyond), so no upload is held whole in memory. Every refusal happens
before the object store is written."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from typing import Any, BinaryIO
from urllib.parse import quote

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.datastructures import UploadFile

from triboka_api.api.deps import PrincipalDep, SessionDep, SettingsDep
from triboka_api.api.errors import ApiError, bad_request, not_found
from triboka_api.api.openapi import binary, documented
from triboka_api.api.schemas import deals as schemas
from triboka_api.domain import deal_files, deals
from triboka_api.domain.bounds import OutOfBoundsError, check_text
from triboka_api.serializers.deals import file_item
from triboka_api.storage import CHUNK_BYTES, FileStore, StoredFileMissingError

router = APIRouter(tags=["deals"])

UPLOAD_PATH = re.compile(r"^/api/deals/[^/]+/upload$")
MULTIPART_ENVELOPE_BYTES = 64 * 1024  # part headers, boundaries, the small form fields
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]")


UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "confidentiality": {"type": "string", "enum": ["PUBLIC", "PARTES", "SOLO_ADMIN"]},
                        "description": {"type": "string"},
                    },
                }
            }
        },
    }
}


def _store(request: Request) -> FileStore:
    store: FileStore = request.app.state.file_store
    return store


def _sha256(source: BinaryIO) -> str:
    digest = hashlib.sha256()
    source.seek(0)
    while chunk := source.read(CHUNK_BYTES):
        digest.update(chunk)
    return digest.hexdigest()


def _text_field(form: Any, name: str) -> str | None:
    value = form.get(name)
    if value is None or isinstance(value, UploadFile):
        return None
    try:
        check_text(name, value)
    except OutOfBoundsError as exc:
        raise bad_request(str(exc)) from exc
    return value or None


@router.post(
    "/api/deals/{deal_id}/upload", **documented(schemas.FileUploaded, status=201), openapi_extra=UPLOAD_DOC
)
async def upload_file(
    deal_id: int, principal: PrincipalDep, request: Request, session: SessionDep, settings: SettingsDep
) -> schemas.FileUploaded:
    opened = await deals.open_deal(session, principal, deal_id)
    async with request.form(max_files=1, max_fields=4, max_part_size=MULTIPART_ENVELOPE_BYTES) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise bad_request("Field 'file' is required (multipart/form-data)")
        size = upload.size or 0
        if size > settings.max_upload_bytes:
            raise ApiError(413, f"File too large (at most {settings.max_upload_bytes} bytes)")
        head = await upload.read(deal_files.SNIFF_BYTES)
        checked = deal_files.check_upload(
            opened.deal,
            opened.access,
            upload.filename,
            deal_files.parse_confidentiality(_text_field(form, "confidentiality")),
            _text_field(form, "description"),
            size,
            head,
        )
        digest = await to_thread.run_sync(_sha256, upload.file)
        store = _store(request)
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


def _disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name in RFC 5987 form."""
    fallback = _ASCII_UNSAFE.sub("_", filename) or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


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
    chunks = _store(request).read(record.storage_key)
    try:
        first = await anext(chunks)
    except (StoredFileMissingError, StopAsyncIteration) as exc:
        raise not_found("File") from exc

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    return StreamingResponse(
        body(),
        media_type=deal_files.media_type(record.file_type),
        headers={
            "Content-Disposition": _disposition(record.filename),
            "Content-Length": str(record.file_size),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
