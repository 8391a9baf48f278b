"""The dashboard's static files, read once at start-up and served from memory: each under a fingerprinted name
(a hash of its content in the file name) that browsers and CDNs may keep for a year, gzip-compressed once.

`css/app.css` is served as `css/app.3f2a9c1b7d4e.css` with `Cache-Control: public, max-age=31536000, immutable`:
a new release changes the content, hence the name, hence the URL the pages link to, so a cached copy is never
stale. The plain name still answers (an old page, a bookmark), cached for a short while and revalidated by ETag.
A stylesheet's relative `url(...)` references (the icon font) are rewritten to the fingerprinted names too, so
everything a page loads is immutable. Compressible files are gzipped at start-up (level 9: once per process)
and sent compressed to clients that accept it, with `Vary: Accept-Encoding`.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"  # a plain name: cached briefly, then revalidated (its ETag)
HASH_CHARS = 12
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
MIN_COMPRESS_BYTES = 1024
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".woff2": "font/woff2", ".woff": "font/woff"}
# a relative reference in a stylesheet: url(fonts/x.woff2?v=1), quoted or not; absolute, root and data: URLs
# are left alone by `_rewrite_css`
CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')\s]+)\1\s*\)""")


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None  # None: not worth compressing (small, or already compressed like woff2)
    media_type: str
    etag: str


def _media_type(path: PurePosixPath) -> str:
    guessed = MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def _fingerprinted(path: PurePosixPath, body: bytes) -> PurePosixPath:
    digest = hashlib.sha256(body).hexdigest()[:HASH_CHARS]
    return path.with_name(f"{path.stem}.{digest}{path.suffix}")


def _asset(path: PurePosixPath, body: bytes) -> Asset:
    media_type = _media_type(path)
    gzipped = None
    if media_type.startswith(COMPRESSIBLE) and len(body) >= MIN_COMPRESS_BYTES:
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        gzipped = packed if len(packed) < len(body) else None
    etag = f'"{hashlib.sha256(body).hexdigest()[: HASH_CHARS * 2]}"'
    return Asset(body, gzipped, media_type, etag)


class StaticAssets:
    """An ASGI app serving every file under `directory` (GET; HEAD arrives as GET), and `name(path)`: the
    fingerprinted name a template links to. `base_url`: where browsers fetch the files (a CDN that serves this
    directory), empty for this service's own /static."""

    def __init__(self, directory: Path, base_url: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self._names: dict[str, str] = {}  # plain name -> fingerprinted name
        self._served: dict[str, tuple[Asset, str]] = {}  # either name -> (asset, Cache-Control)
        files = sorted(p for p in directory.rglob("*") if p.is_file() and not p.name.startswith("."))
        # stylesheets last: their url() references are rewritten to the names the other files got
        for file in sorted(files, key=lambda p: p.suffix == ".css"):
            path = PurePosixPath(file.relative_to(directory).as_posix())
            body = file.read_bytes()
            if path.suffix == ".css":
                body = self._rewrite_css(path, body)
            self._add(path, body)

    def _add(self, path: PurePosixPath, body: bytes) -> None:
        asset = _asset(path, body)
        hashed = str(_fingerprinted(path, body))
        self._names[str(path)] = hashed
        self._served[str(path)] = (asset, SHORT)
        self._served[hashed] = (asset, IMMUTABLE)

    def _rewrite_css(self, path: PurePosixPath, body: bytes) -> bytes:
        def replace(match: re.Match[str]) -> str:
            reference = match.group(2)
            target = reference.split("?", 1)[0].split("#", 1)[0]
            resolved = _normalise(path.parent / target)
            hashed = self._names.get(resolved) if resolved else None
            if hashed is None:  # data:, absolute or unknown: as written
                return match.group(0)
            fragment = reference[len(reference.split("#", 1)[0]) :]
            return f'url("{posixpath.relpath(hashed, path.parent)}{fragment}")'

        return CSS_URL.sub(replace, body.decode()).encode()

    def name(self, path: str) -> str:
        """The fingerprinted name of `path` (relative to the static directory); `path` itself if no such file."""
        return self._names.get(path, path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self._respond(scope)
        await response(scope, receive, send)

    def _respond(self, scope: Scope) -> Response:
        if scope["method"] != "GET":
            return PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET, HEAD"})
        found = self._served.get(scope["path"].removeprefix(scope.get("root_path", "")).lstrip("/"))
        if found is None:
            return PlainTextResponse("Not Found", 404)
        asset, cache_control = found
        request = Headers(scope=scope)
        headers = {
            "Cache-Control": cache_control,
            "ETag": asset.etag,
            # fonts fetched from a CDN origin (web.staticBaseUrl) need CORS; these files are public anyway
            "Access-Control-Allow-Origin": "*",
        }
        if asset.gzipped is not None:
            headers["Vary"] = "Accept-Encoding"
        if asset.etag in (
            tag.strip().removeprefix("W/") for tag in request.get("if-none-match", "").split(",")
        ):
            return Response(status_code=304, headers=headers)
        if asset.gzipped is not None and "gzip" in request.get("accept-encoding", ""):
            return Response(
                asset.gzipped, media_type=asset.media_type, headers=headers | {"Content-Encoding": "gzip"}
            )
        return Response(asset.body, media_type=asset.media_type, headers=headers)


def _normalise(path: PurePosixPath) -> str | None:
    """`a/b/../c` → `a/c`; None for a path that leaves the static directory or is absolute."""
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in (".", "/"):
            parts.append(part)
    return "/".join(parts) if parts and not path.is_absolute() else None
