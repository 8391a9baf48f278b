"""The only way this service reaches the API: one pooled httpx client, errors mapped to typed exceptions."""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx

from triboka_web.metrics import observe_api_call
from triboka_web.request_context import request_id_var

log = logging.getLogger(__name__)


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


def build_http_client(base_url: str, timeout_seconds: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0)),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30),
        # identity: the API's gzip is for browsers; on this hop (loopback or the cluster network) compressing and
        # inflating every answer costs both services CPU for bytes nobody pays for (issue 16, goal 3)
        headers={"Accept": "application/json", "Accept-Encoding": "identity", "User-Agent": "triboka-web"},
    )


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


def _json_body(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None


def _raise_upstream(response: httpx.Response) -> None:
    """A 502/504 the API explains (its `error`) is the upstream's failure, not the API's outage."""
    body = _json_body(response)
    if (
        response.status_code in UPSTREAM_STATUSES
        and isinstance(body, dict)
        and isinstance(body.get("error"), str)
    ):
        raise ApiUpstreamError(response.status_code, body["error"], body)


def _raise_for(response: httpx.Response) -> None:
    body = _json_body(response)
    message = _error_text(body, response.reason_phrase)
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


class ApiClient:
    """Calls the API as one user (the bearer token from the session), or anonymously."""

    def __init__(
        self, http: httpx.AsyncClient, token: str | None = None, forwarded_for: str | None = None
    ) -> None:
        self._http = http
        self._token = token
        self._forwarded_for = forwarded_for

    def as_user(self, token: str | None, forwarded_for: str | None = None) -> ApiClient:
        """This client acting for one browser: its API token and its `X-Forwarded-For` chain."""
        return ApiClient(self._http, token, forwarded_for)

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        params: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
        data: dict[str, str] | None = None,
    ) -> Any:
        headers = _request_id_header()
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if self._forwarded_for:
            headers["X-Forwarded-For"] = self._forwarded_for
        query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        started = time.perf_counter()
        try:
            response = await self._http.request(
                method, path, json=json, params=query, headers=headers, files=files, data=data
            )
        except httpx.HTTPError as exc:
            observe_api_call(method, "unreachable", time.perf_counter() - started)
            log.warning("API unreachable: %s %s: %s", method, path, exc.__class__.__name__)
            raise ApiUnavailableError(str(exc)) from exc
        observe_api_call(method, str(response.status_code), time.perf_counter() - started)
        if response.status_code >= 500:
            log.error("API failed: %s %s -> %s", method, path, response.status_code)
            _raise_upstream(response)
            raise ApiUnavailableError(f"{method} {path} -> {response.status_code}")
        if response.status_code >= 400:
            _raise_for(response)
        return response.json() if response.content else None

    async def get(self, path: str, **params: Any) -> Any:
        return await self.request("GET", path, params=params)

    async def download(self, path: str) -> httpx.Response:
        """A non-JSON answer (a deal's PDF or file) as the API sent it; errors as `request`'s."""
        headers = _request_id_header()
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = await self._http.get(path, headers=headers)
        except httpx.HTTPError as exc:
            raise ApiUnavailableError(str(exc)) from exc
        if response.status_code >= 500:
            _raise_upstream(response)
            raise ApiUnavailableError(f"GET {path} -> {response.status_code}")
        if response.status_code >= 400:
            _raise_for(response)
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
            response = await self._http.get("/api/health", headers=_request_id_header())
        except httpx.HTTPError:
            return False, None
        try:
            body = response.json()
        except ValueError:
            body = None
        return response.status_code == 200, body if isinstance(body, dict) else None
