"""HTTP to the ERPs (S-62..S-67): bounded time and size, retries with backoff, and no way into refused networks.

SSRF (Δ 192): the ERP's host is resolved by the API and every address it resolves to must be public, or inside
`TRIBOKA_ERP_ALLOWED_NETWORKS`; loopback, private, link-local (the cloud metadata address 169.254.169.254),
multicast and reserved addresses are refused otherwise. The request then goes to the address that was checked
(the Host header and the TLS server name keep the original name), so a DNS answer that changes between the check
and the connection (rebinding) cannot redirect it. Redirects are not followed and proxies from the environment are
not used, for the same reason.

Retries: a refused or failed connection and a 5xx answer are tried again (`TRIBOKA_ERP_ATTEMPTS` in all, waiting
`TRIBOKA_ERP_RETRY_BACKOFF_SECONDS`, doubled each time); the caller sends an `Idempotency-Key` so that an ERP which
honours it records a retried push once. A read timeout is not retried: the ERP may be processing it.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Any

import httpx
import orjson

from triboka_api.domain.errors import ExternalServiceError, ExternalTimeoutError, RuleViolationError
from triboka_api.settings import Network, Settings

MAX_ANSWER_BYTES = 1_048_576  # an ERP's answer is stored nowhere and shown once; more is refused
_RETRIED_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class ErpReply:
    status: int
    body: Any  # the parsed JSON answer, or {"raw": <text>} when it is not JSON


class ErpClient:
    def __init__(
        self, *, timeout: float, attempts: int, backoff: float, allowed_networks: tuple[Network, ...]
    ) -> None:
        self._timeout, self._attempts, self._backoff = timeout, attempts, backoff
        self._allowed = allowed_networks

    @classmethod
    def from_settings(cls, settings: Settings) -> ErpClient:
        return cls(
            timeout=settings.erp_timeout_seconds,
            attempts=settings.erp_attempts,
            backoff=settings.erp_retry_backoff_seconds,
            allowed_networks=settings.erp_allowed_networks,
        )

    def _permitted(self, address: IPv4Address | IPv6Address) -> bool:
        return address.is_global or any(address in network for network in self._allowed)

    async def checked_address(self, url: httpx.URL) -> str:
        """The address to connect to: every address the host resolves to must be permitted (400 otherwise)."""
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(url.host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise ExternalServiceError(f"The ERP host {url.host!r} cannot be resolved") from exc
        addresses = [ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if not addresses or not all(self._permitted(a) for a in addresses):
            raise RuleViolationError(
                f"base_url: {url.host!r} is not a public address and not in TRIBOKA_ERP_ALLOWED_NETWORKS"
            )
        return str(addresses[0])

    async def send(self, method: str, url: str, *, headers: dict[str, str], json: Any = None) -> ErpReply:
        """One request, retried on connection failures and 5xx answers; the last answer is returned whatever
        its status (the caller decides what the ERP's 4xx means). Unreachable: 502, timed out: 504."""
        target = httpx.URL(url)
        address = await self.checked_address(target)
        pinned = target.copy_with(host=address)
        headers = {**headers, "Host": target.netloc.decode("ascii")}
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        for attempt in range(1, self._attempts + 1):
            try:
                reply = await self._once(method, pinned, headers, json, extensions)
            except _RETRIED_ERRORS as exc:
                if attempt == self._attempts:
                    raise ExternalServiceError(
                        f"The ERP at {target.host} cannot be reached ({type(exc).__name__})"
                    ) from exc
            except httpx.TimeoutException as exc:
                raise ExternalTimeoutError(f"The ERP at {target.host} did not answer in time") from exc
            except httpx.HTTPError as exc:
                raise ExternalServiceError(f"The ERP at {target.host} failed ({type(exc).__name__})") from exc
            else:
                if reply.status < 500 or attempt == self._attempts:
                    return reply
            await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _once(
        self, method: str, url: httpx.URL, headers: dict[str, str], json: Any, extensions: dict[str, Any]
    ) -> ErpReply:
        async with (
            httpx.AsyncClient(timeout=self._timeout, follow_redirects=False, trust_env=False) as client,
            client.stream(method, url, headers=headers, json=json, extensions=extensions) as response,
        ):
            content = bytearray()
            async for chunk in response.aiter_bytes():
                content += chunk
                if len(content) > MAX_ANSWER_BYTES:
                    raise ExternalServiceError("The ERP's answer is larger than 1 MiB")
        try:
            body = orjson.loads(content) if content else {}
        except orjson.JSONDecodeError:
            body = {"raw": content[:2000].decode("utf-8", "replace")}
        return ErpReply(status=response.status_code, body=body)
