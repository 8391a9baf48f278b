"""The HTTP side of file uploads and downloads, shared by deal room files (S-37..S-39) and KYC documents (S-49).

An upload route has its own body limit (`TRIBOKA_MAX_UPLOAD_BYTES` plus `MULTIPART_ENVELOPE_BYTES`), counted by the
body-limit middleware as the bytes arrive; the multipart parser spools the file to a temporary file (memory up to
1 MiB, disk beyond), so no upload is held whole in memory. Downloads stream from the store as attachments."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from typing import Any, BinaryIO
from urllib.parse import quote

from anyio import to_thread
from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.datastructures import FormData, UploadFile

from triboka_api.api.errors import ApiError, bad_request, not_found
from triboka_api.domain.bounds import OutOfBoundsError, check_parameter, check_text
from triboka_api.storage import CHUNK_BYTES, FileStore, StoredFileMissingError

MULTIPART_ENVELOPE_BYTES = 64 * 1024  # part headers, boundaries, the small form fields
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]")


def file_store_of(request: Request) -> FileStore:
    store: FileStore = request.app.state.file_store
    return store


def form_file(form: FormData, name: str, max_bytes: int) -> UploadFile:
    """The required file field `name`; 413 above `max_bytes` (the spooled size, known once parsed)."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile):
        raise bad_request(f"Field '{name}' is required (multipart/form-data)")
    if (upload.size or 0) > max_bytes:
        raise ApiError(413, f"File too large (at most {max_bytes} bytes)")
    return upload


def text_field(form: FormData, name: str, *, column: bool = False) -> str | None:
    """A text field of the form (blank is None), held to the generic text bounds, or with `column` to the length
    of the column it is named after (a field whose invalid values have a fallback keeps the generic bound)."""
    value = form.get(name)
    if value is None or isinstance(value, UploadFile):
        return None
    try:
        check_parameter(name, value, str) if column else check_text(name, value)
    except OutOfBoundsError as exc:
        raise bad_request(str(exc)) from exc
    return value or None


def _sha256(source: BinaryIO) -> str:
    digest = hashlib.sha256()
    source.seek(0)
    while chunk := source.read(CHUNK_BYTES):
        digest.update(chunk)
    return digest.hexdigest()


async def sha256_of(upload: UploadFile) -> str:
    """The hex SHA-256 of the whole spooled file (read in a thread: it may be on disk)."""
    return await to_thread.run_sync(_sha256, upload.file)


def _disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name in RFC 5987 form."""
    fallback = _ASCII_UNSAFE.sub("_", filename) or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def download(
    store: FileStore, key: str, *, filename: str, media_type: str, size: int
) -> StreamingResponse:
    """The stored object as an attachment, streamed; a record whose object is gone is 404 `File not found`."""
    chunks = store.read(key)
    try:
        first = await anext(chunks)
    except (StoredFileMissingError, StopAsyncIteration) as exc:
        raise not_found("File") from exc

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    headers: dict[str, Any] = {
        "Content-Disposition": _disposition(filename),
        "Content-Length": str(size),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(body(), media_type=media_type, headers=headers)
