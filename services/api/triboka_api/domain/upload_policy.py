"""What an uploaded file may be, wherever it is uploaded (deal room files S-37, KYC documents S-49): a plain name,
an extension of the allow-list, not empty, and content that is what its extension says. The size limit (413) is
enforced by the route as the bytes arrive, before these checks."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from triboka_api.domain.bounds import OutOfBoundsError, check_text
from triboka_api.domain.errors import RuleViolationError

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
class CheckedFile:
    filename: str
    extension: str


def check_file(filename: str | None, size: int, head: bytes) -> CheckedFile:
    """The file's own refusals, in order (400 each): name, extension, emptiness, content."""
    name = safe_name(filename)
    extension = extension_of(name)
    if size == 0:
        raise RuleViolationError("The file is empty")
    check_content(extension, head)
    return CheckedFile(name, extension)
