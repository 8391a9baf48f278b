"""gzip for the pages (HTML) and JSON above a size threshold, in the service itself so every ingress gets it.

Starlette's GZipMiddleware, as the API uses it (triboka_api/api/compression.py: the same threshold and level; the
services share no package): a streamed answer stays streamed, `Vary: Accept-Encoding`, and what is already
compressed passes as it is: the deal files this dashboard hands through (PDF, images, office zip containers),
and the static files, which triboka_web/static_assets.py gzipped once at start-up (`Content-Encoding` set).
"""

from __future__ import annotations

from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp

MINIMUM_SIZE = 1024
COMPRESS_LEVEL = 5  # a page of 50 lots is compressed in well under a millisecond; level 9 costs 4x for ~8%
# the deal files this dashboard hands through from the API: stored compressed (images are in the defaults)
ALREADY_COMPRESSED = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)


class CompressionMiddleware(GZipMiddleware):
    """GZipMiddleware with this service's threshold, level and exclusions."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, MINIMUM_SIZE, COMPRESS_LEVEL, exclude_content_types=ALREADY_COMPRESSED)
