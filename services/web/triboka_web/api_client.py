"""The only way this service reaches the API: one pooled aiohttp session, errors mapped to typed exceptions.

aiohttp rather than httpx: under a page's concurrent calls httpx's pool re-checked every pooled connection's
socket on each request (httpcore through anyio), ~2 ms of the web's CPU per call against ~0.2 ms for aiohttp's
(issue 16, goal 3; docs/benchmarks-api.md)."""

from __future__ import annotations

import json as jsonlib
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

import aiohttp

from triboka_web.metrics import observe_api_call
from triboka_web.request_context import request_id_var

log = logging.getLogger(__name__)

# a file part of a multipart upload: (file name, its content, its media type)
FilePart = tuple[str, IO[bytes], str]


class ApiError(Exception):
    """The API answered with a 4xx; `message` is its `error` (or `msg`) text."""

    def __init__(self, status_code: int, message: str, body: object = None) -> None:
        super().__init__(f"{status_code}: {message}")
        self.status_code = status_code  # named as the API's own ApiError names it
        self.message = message
        self.body = body


class ApiAuthError(ApiError):
    """The token is missing, expired, revoked or malformed (401, or 422 with `msg`)."""


class ApiForbiddenError(ApiError):
    """403: the API refuses this action to this user."""


class ApiNotFoundError(ApiError):
    """404 from the API."""


class ApiRateLimitedError(ApiError):
    """429: the API's rate limit or sign-in lockout; `retry_after` is its `Retry-After` in seconds."""

    def __init__(self, message: str, body: object, retry_after: int | None) -> None:
        super().__init__(429, message, body)
        self.retry_after = retry_after


class ApiUpstreamError(ApiError):
    """502/504 with an `{"error": ...}` body: the API works, a system behind it (an ERP) refused or did not
    answer; `message` says which, and is worth showing (unlike a bare 5xx, which is `ApiUnavailableError`)."""


class ApiUnavailableError(Exception):
    """The API could not be reached, timed out or failed with a 5xx it did not explain."""


UPSTREAM_STATUSES = frozenset({502, 504})


def build_http_client(
    timeout_seconds: float, trace_configs: Iterable[aiohttp.TraceConfig] = ()
) -> aiohttp.ClientSession:
    """The pooled session; it must be created (and closed) on the running event loop."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout_seconds, connect=min(timeout_seconds, 5.0)),
        # pooled connections are dropped after 30 s idle, before the API's keep-alive (100 s) would close them
        connector=aiohttp.TCPConnector(limit=100, keepalive_timeout=30),
        # identity: the API's gzip is for browsers; on this hop (loopback or the cluster network) compressing and
        # inflating every answer costs both services CPU for bytes nobody pays for (issue 16, goal 3)
        headers={"Accept": "application/json", "Accept-Encoding": "identity", "User-Agent": "triboka-web"},
        trace_configs=list(trace_configs) or None,
    )


@dataclass(frozen=True)
class ApiAnswer:
    """An answer of the API, read whole."""

    status_code: int
    reason: str
    headers: Mapping[str, str]  # aiohttp's, case-insensitive
    content: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.content)


def _request_id_header() -> dict[str, str]:
    """The request's ID for the API's log lines (none outside a request: the API mints one)."""
    request_id = request_id_var.get()
    return {"X-Request-ID": request_id} if request_id else {}


def _error_text(body: object, fallback: str) -> str:
    if isinstance(body, dict):
        for key in ("error", "msg", "message"):
            if isinstance(text := body.get(key), str):
                return text
    return fallback


def _json_body(response: ApiAnswer) -> object:
    try:
        return response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
        return None


def _raise_upstream(response: ApiAnswer) -> None:
    """A 502/504 the API explains (its `error`) is the upstream's failure, not the API's outage."""
    body = _json_body(response)
    if (
        response.status_code in UPSTREAM_STATUSES
        and isinstance(body, dict)
        and isinstance(body.get("error"), str)
    ):
        raise ApiUpstreamError(response.status_code, body["error"], body)


def _raise_for(response: ApiAnswer) -> None:
    body = _json_body(response)
    message = _error_text(body, response.reason)
    status = response.status_code
    if status == 401 or (status == 422 and isinstance(body, dict) and "msg" in body):
        raise ApiAuthError(status, message, body)
    if status == 403:
        raise ApiForbiddenError(status, message, body)
    if status == 404:
        raise ApiNotFoundError(status, message, body)
    if status == 429:
        retry_after = response.headers.get("retry-after", "")
        raise ApiRateLimitedError(message, body, int(retry_after) if retry_after.isdigit() else None)
    raise ApiError(status, message, body)


def _check(response: ApiAnswer, method: str, path: str) -> None:
    """An error answer as its typed exception: the API's outage (5xx) as `ApiUnavailableError`, unless an
    upstream failure it explains; a 4xx by its status."""
    if response.status_code >= 500:
        log.error("API failed: %s %s -> %s", method, path, response.status_code)
        _raise_upstream(response)
        raise ApiUnavailableError(f"{method} {path} -> {response.status_code}")
    if response.status_code >= 400:
        _raise_for(response)


def _query(params: Mapping[str, Any]) -> dict[str, str | int | float]:
    """The query string's values: empty ones left out, booleans spelled as the API reads them."""
    return {
        name: str(value).lower() if isinstance(value, bool) else value
        for name, value in params.items()
        if value not in (None, "")
    }


# a file name as browsers (HTML5) put it in a multipart header: UTF-8, a quote and control characters escaped as
# %XX; aiohttp doubles the backslashes itself. Its own default, percent-encoding the whole name, would reach the
# API (and the file's record) as "certificado%20org%C3%A1nico.pdf"
_FILE_NAME_ESCAPES = str.maketrans({'"': "%22", **{chr(c): f"%{c:02X}" for c in range(0x20) if c != 0x1B}})


def _form(files: Mapping[str, FilePart], fields: Mapping[str, str]) -> aiohttp.FormData:
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, media_type) in files.items():
        form.add_field(
            name, content, filename=filename.translate(_FILE_NAME_ESCAPES), content_type=media_type
        )
    return form


class ApiClient:
    """Calls the API as one user (the bearer token from the session), or anonymously."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        token: str | None = None,
        forwarded_for: str | None = None,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._forwarded_for = forwarded_for

    def as_user(self, token: str | None, forwarded_for: str | None = None) -> ApiClient:
        """This client acting for one browser: its API token and its `X-Forwarded-For` chain."""
        return ApiClient(self._http, self._base_url, token, forwarded_for)

    def _headers(self) -> dict[str, str]:
        headers = _request_id_header()
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if self._forwarded_for:
            headers["X-Forwarded-For"] = self._forwarded_for
        return headers

    async def _send(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        *,
        json: object = None,
        params: Mapping[str, Any] | None = None,
        form: aiohttp.FormData | None = None,
    ) -> ApiAnswer:
        """One call, its answer read whole; transport failures and timeouts as `ApiUnavailableError`."""
        try:
            async with self._http.request(
                method,
                self._base_url + path,
                json=json,
                params=_query(params or {}),
                data=form,
                headers=headers,
            ) as response:
                content = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ApiUnavailableError(f"{method} {path}: {exc.__class__.__name__}") from exc
        return ApiAnswer(response.status, response.reason or "", response.headers, content)

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        params: dict[str, Any] | None = None,
        files: Mapping[str, FilePart] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> Any:
        form = _form(files, data or {}) if files else None
        started = time.perf_counter()
        try:
            response = await self._send(method, path, self._headers(), json=json, params=params, form=form)
        except ApiUnavailableError as exc:
            observe_api_call(method, "unreachable", time.perf_counter() - started)
            log.warning("API unreachable: %s", exc)
            raise
        observe_api_call(method, str(response.status_code), time.perf_counter() - started)
        _check(response, method, path)
        return response.json() if response.content else None

    async def get(self, path: str, **params: Any) -> Any:
        return await self.request("GET", path, params=params)

    async def download(self, path: str) -> ApiAnswer:
        """A non-JSON answer (a deal's PDF or file) as the API sent it; errors as `request`'s."""
        response = await self._send("GET", path, self._headers())
        _check(response, "GET", path)
        return response

    async def post(self, path: str, payload: object) -> Any:
        return await self.request("POST", path, json=payload)

    async def put(self, path: str, payload: object) -> Any:
        return await self.request("PUT", path, json=payload)

    async def delete(self, path: str) -> Any:
        return await self.request("DELETE", path)

    async def health(self) -> tuple[bool, dict[str, Any] | None]:
        """Whether the API answers `/api/health` with 200 (its database is up), and the body it sent."""
        try:
            response = await self._send("GET", "/api/health", _request_id_header())
        except ApiUnavailableError:
            return False, None
        body = _json_body(response)
        return response.status_code == 200, body if isinstance(body, dict) else None
