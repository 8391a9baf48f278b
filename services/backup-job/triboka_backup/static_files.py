"""The static/upload directory as one tar stream (files are usually compressed already: no gzip)."""

from __future__ import annotations

import tarfile
from pathlib import Path

from triboka_backup.filesio import SealedWriter


def archive(directory: Path, writer: SealedWriter) -> None:
    # a SealedWriter has the write() a "w|" stream needs, but typeshed wants a whole file object
    with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
        tar.add(directory, arcname="static")
