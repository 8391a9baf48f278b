"""HTTPS clients that reach the cluster's ingress on 127.0.0.1 (E2E_INGRESS_ADDRESS: another loopback address, for a
kind cluster whose ports are mapped there) while speaking to the test host name.

A request for https://triboka.test/... is sent to 127.0.0.1:443 with `Host: triboka.test` and SNI triboka.test,
and the server certificate is checked against the test CA for that name. Cookies and redirects keep the test
host's URL, as a browser would. No other address is ever dialled."""

from __future__ import annotations

import os
import ssl

import httpx

INGRESS_ADDRESS = os.environ.get("E2E_INGRESS_ADDRESS", "127.0.0.1")


def _mapped(request: httpx.Request, host: str, address: str) -> httpx.Request:
    if request.url.host != host:
        raise AssertionError(f"e2e clients only talk to {host} (through {address}), not {request.url.host}")
    return httpx.Request(
        request.method,
        request.url.copy_with(host=address),
        headers=request.headers,  # keeps Host: <host>, set when the request was built
        stream=request.stream,
        extensions={**request.extensions, "sni_hostname": host},
    )


class MappedTransport(httpx.HTTPTransport):
    def __init__(self, host: str, context: ssl.SSLContext, address: str = INGRESS_ADDRESS, **kwargs) -> None:
        super().__init__(verify=context, **kwargs)
        self.host, self.address = host, address

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return super().handle_request(_mapped(request, self.host, self.address))


class AsyncMappedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, host: str, context: ssl.SSLContext, address: str = INGRESS_ADDRESS, **kwargs) -> None:
        super().__init__(verify=context, **kwargs)
        self.host, self.address = host, address

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await super().handle_async_request(_mapped(request, self.host, self.address))


def client(host: str, context: ssl.SSLContext, timeout: float = 15) -> httpx.Client:
    return httpx.Client(base_url=f"https://{host}", transport=MappedTransport(host, context), timeout=timeout)


def async_client(
    host: str, context: ssl.SSLContext, connections: int, timeout: float = 10
) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(
        base_url=f"https://{host}",
        transport=AsyncMappedTransport(host, context, limits=limits),
        timeout=timeout,
    )
