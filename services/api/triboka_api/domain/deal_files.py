"""Deal room files (S-37..S-39): what may be uploaded, by whom, and who sees it. No HTTP and no store here: the
route streams the upload to a temporary file, asks `check_upload` (access, then `domain/upload_policy.py`), then
stores it under `storage_key` and records it with `record_file`. Everything that can refuse an upload runs before anything is stored (ORIG stored first)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.access import DealAccess, Scope, require_deal_writer, scope_allowed
from triboka_api.domain.errors import NotFoundError
from triboka_api.domain.principal import Principal
from triboka_api.domain.upload_policy import check_file
from triboka_api.models import Deal, DealFile, DealMessage


def parse_confidentiality(raw: str | None) -> Scope:
    """S-37: an absent or invalid value becomes PUBLIC (the contract), never an error."""
    try:
        return Scope(raw) if raw else Scope.PUBLIC
    except ValueError:
        return Scope.PUBLIC


@dataclass(frozen=True)
class Upload:
    """An upload that passed every check, ready to be stored under `storage_key`."""

    public_id: str
    filename: str
    extension: str
    storage_key: str
    confidentiality: Scope
    description: str | None


def check_upload(
    deal: Deal,
    access: DealAccess,
    filename: str | None,
    confidentiality: Scope,
    description: str | None,
    size: int,
    head: bytes,
) -> Upload:
    """S-37's refusals, in order: write permission and scope (403), name, extension, emptiness and content (400).
    The size limit (413) is enforced as the bytes arrive, before this."""
    require_deal_writer(access)
    scope_allowed(access, confidentiality)
    checked = check_file(filename, size, head)
    public_id = str(uuid.uuid4())
    # random, from the API: the client's name never reaches the store
    key = f"deals/{deal.id}/{uuid.uuid4().hex}.{checked.extension}"
    return Upload(public_id, checked.filename, checked.extension, key, confidentiality, description)


async def record_file(
    session: AsyncSession, principal: Principal, deal: Deal, upload: Upload, size: int, sha256: str
) -> DealFile:
    """The file's record and its `file_upload` message (as confidential as the file, Δ 104), in one commit."""
    record = DealFile(
        public_id=upload.public_id,
        deal_id=deal.id,
        filename=upload.filename,
        storage_key=upload.storage_key,
        file_size=size,
        file_type=upload.extension,
        sha256=sha256,
        uploaded_by=principal.id,
        confidentiality=upload.confidentiality.value,
        description=upload.description,
    )
    session.add(record)
    session.add(
        DealMessage(
            deal_id=deal.id,
            author_id=principal.id,
            content=f"Archivo subido: {upload.filename}",
            message_type="file_upload",
            scope=upload.confidentiality.value,
            attachments=[{"file_id": upload.public_id, "filename": upload.filename, "file_size": size}],
        )
    )
    await session.commit()
    return record


async def visible_files(session: AsyncSession, deal: Deal, access: DealAccess) -> Sequence[DealFile]:
    """S-38: newest first, only the confidentiality levels the caller reads."""
    return (
        await session.scalars(
            select(DealFile)
            .where(DealFile.deal_id == deal.id, DealFile.confidentiality.in_(access.scopes))
            .order_by(DealFile.uploaded_at.desc(), DealFile.id.desc())
        )
    ).all()


async def visible_file(session: AsyncSession, deal: Deal, access: DealAccess, public_id: str) -> DealFile:
    """S-39: a file the caller may not see is as missing as one that does not exist (404, nothing revealed)."""
    record = await session.scalar(
        select(DealFile).where(DealFile.deal_id == deal.id, DealFile.public_id == public_id)
    )
    if record is None or record.confidentiality not in access.scopes:
        raise NotFoundError("File")
    return record
