"""Deal room files (S-37..S-39): what may be uploaded, by whom, and who sees it. No HTTP and no store here: the
route streams the upload to a temporary file, asks `check_upload`, then stores it under `storage_key` and records
it with `record_file`. Everything that can refuse an upload runs before anything is stored (ORIG stored first)."""

from __future__ import annotations

import codecs
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.access import DealAccess, Scope, require_deal_writer, scope_allowed
from triboka_api.domain.bounds import OutOfBoundsError, check_text
from triboka_api.domain.errors import NotFoundError, RuleViolationError
from triboka_api.domain.principal import Principal
from triboka_api.models import Deal, DealFile, DealMessage

SNIFF_BYTES = 8192
MAX_NAME_CHARS = 255
_ZIP = (b"PK\x03\x04",)  # docx and xlsx are zip containers
_OLE2 = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # legacy doc and xls
# the contract's allow-list, each extension with the magic bytes its content must start with and its media type
KINDS: dict[str, tuple[tuple[bytes, ...], str]] = {
    "pdf": ((b"%PDF-",), "application/pdf"),
    "png": ((b"\x89PNG\r\n\x1a\n",), "image/png"),
    "jpg": ((b"\xff\xd8\xff",), "image/jpeg"),
    "jpeg": ((b"\xff\xd8\xff",), "image/jpeg"),
    "docx": (_ZIP, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (_ZIP, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "doc": (_OLE2, "application/msword"),
    "xls": (_OLE2, "application/vnd.ms-excel"),
    "txt": ((), "text/plain; charset=utf-8"),
}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def parse_confidentiality(raw: str | None) -> Scope:
    """S-37: an absent or invalid value becomes PUBLIC (the contract), never an error."""
    try:
        return Scope(raw) if raw else Scope.PUBLIC
    except ValueError:
        return Scope.PUBLIC


def safe_name(raw: str | None) -> str:
    """The client's file name as shown and offered on download: path-like or control characters are refused
    (400), never stripped silently into another name."""
    name = (raw or "").strip()
    if not name:
        raise RuleViolationError("Field 'file' needs a file name")
    if _UNSAFE_NAME.search(name) or name.startswith(".") or ".." in name:
        raise RuleViolationError("The file name must be a plain name, without a path")
    try:
        check_text("filename", name, MAX_NAME_CHARS)
    except OutOfBoundsError as exc:
        raise RuleViolationError(str(exc)) from exc
    return name


def extension_of(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in KINDS:
        raise RuleViolationError(f"File type not allowed; allowed: {', '.join(sorted(KINDS))}")
    return extension


def _is_text(head: bytes) -> bool:
    """UTF-8 without NUL bytes; the sniffed prefix may end inside a character."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def check_content(extension: str, head: bytes) -> None:
    """The content must be what the extension says (a `.pdf` starts with `%PDF-`, images and office files by
    their magic bytes, text is UTF-8): a renamed executable is refused."""
    magics, _ = KINDS[extension]
    matches = any(head.startswith(m) for m in magics) if magics else _is_text(head)
    if not matches:
        raise RuleViolationError(f"The file's content is not a valid .{extension} file")


def media_type(extension: str) -> str:
    return KINDS[extension][1]


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
    name = safe_name(filename)
    extension = extension_of(name)
    if size == 0:
        raise RuleViolationError("The file is empty")
    check_content(extension, head)
    public_id = str(uuid.uuid4())
    # random, from the API: the client's name never reaches the store
    key = f"deals/{deal.id}/{uuid.uuid4().hex}.{extension}"
    return Upload(public_id, name, extension, key, confidentiality, description)


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
