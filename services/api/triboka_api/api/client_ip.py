"""The client's IP address as the API sees it (rate limits, the security audit log)."""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from starlette.requests import HTTPConnection

Address = IPv4Address | IPv6Address


def _parse(value: str) -> Address | None:
    try:
        address = ip_address(value.strip())
    except ValueError:
        return None
    # an IPv4 peer seen through a dual-stack socket is the IPv4 address
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_ip(connection: HTTPConnection) -> str | None:
    """The client's address: the connection's peer, or, when that peer is one of `TRIBOKA_TRUSTED_PROXIES`, the
    right-most address of `X-Forwarded-For` that is not a trusted proxy.

    Each proxy appends the address it received the request from, so only the entries our own proxies added can be
    believed; anything to their left is whatever the client chose to send. Walking from the right, the first
    untrusted address is the client. A malformed entry stops the walk at the last trusted hop (it can only come
    from a client that is itself inside a trusted network). Every caller gets the same answer from here.
    """
    if connection.client is None:
        return None
    peer = _parse(connection.client.host)
    if peer is None:
        return connection.client.host
    trusted: tuple[IPv4Network | IPv6Network, ...] = connection.app.state.settings.trusted_proxies
    if not _is_trusted(peer, trusted):
        return str(peer)
    return str(_first_untrusted(peer, _forwarded_hops(connection), trusted))


def _is_trusted(address: Address, trusted: Iterable[IPv4Network | IPv6Network]) -> bool:
    return any(address in network for network in trusted)


def _forwarded_hops(connection: HTTPConnection) -> list[str]:
    """Every `X-Forwarded-For` entry, left to right, over all of the header's lines."""
    return [hop for value in connection.headers.getlist("x-forwarded-for") for hop in value.split(",")]


def _first_untrusted(
    peer: Address, hops: list[str], trusted: tuple[IPv4Network | IPv6Network, ...]
) -> Address:
    nearest = peer
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            return nearest
        if not _is_trusted(address, trusted):
            return address
        nearest = address
    return nearest
