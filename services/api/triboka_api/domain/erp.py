"""ERP connections (S-61, S-62, S-67) and the pushes of companies, contracts and fixations (S-63..S-66).

Connections are rows (Δ 190), their credentials sealed by the key ring (Δ 191, 197) and used only to build
the `Authorization` header of the requests to that ERP: an `api_key` as a bearer token, else `username` and
`password` as HTTP Basic. The HTTP itself is the transport's (`erp_client.ErpClient`: SSRF checks, retries).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from triboka_api.domain.erp_systems import (
    SYSTEMS,
    JsonObject,
    System,
    SystemSpec,
    contract_order,
    erp_id,
    fixation_order,
)
from triboka_api.domain.errors import ConflictError, ExternalServiceError, NotFoundError, RuleViolationError
from triboka_api.domain.key_ring import KeyRing, UnreadableSecretError
from triboka_api.domain.principal import Principal
from triboka_api.models import Company, ContractFixation, ErpConnection, ExportContract, utcnow

CONNECTED = "connected"
DISCONNECTED = "disconnected"
REACHABLE = frozenset(
    {200, 401}
)  # S-62: the health (or SAP login) endpoint answers, even if it wants a login
BULK_MAX = 200  # S-66 entities per call: each is one request to the ERP, and the caller waits for all


class Reply(Protocol):
    @property
    def status(self) -> int: ...
    @property
    def body(self) -> Any: ...


class ErpTransport(Protocol):
    async def send(self, method: str, url: str, *, headers: dict[str, str], json: Any = None) -> Reply: ...


class EntityKind(StrEnum):
    COMPANIES = "companies"
    CONTRACTS = "contracts"
    FIXATIONS = "fixations"


class ErpRejectedError(ExternalServiceError):
    """The ERP answered and refused the document (a bulk push goes on with the next one)."""


@dataclass(frozen=True)
class NewConnection:
    system_type: str
    name: str
    base_url: str
    api_key: str | None = None
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class Pushed:
    erp_response: Any
    erp_id: str | None


@dataclass(frozen=True)
class BulkOutcome:
    results: list[dict[str, Any]]
    errors: list[dict[str, Any]]


def systems_catalogue() -> dict[str, Any]:
    """S-60."""
    return {
        "systems": {
            system.value: {"name": spec.name, "api_version": spec.api_version, "endpoints": spec.endpoints}
            for system, spec in SYSTEMS.items()
        },
        "supported_systems": [system.value for system in SYSTEMS],
    }


def _spec(system_type: str) -> SystemSpec:
    if system_type not in set(System):
        raise RuleViolationError(f"Unsupported ERP system: {system_type!r} (one of {', '.join(System)})")
    return SYSTEMS[System(system_type)]


def checked_base_url(raw: str) -> str:
    """An http(s) URL with a host, no credentials, query or fragment; stored without a trailing slash."""
    try:
        parts = urlsplit(raw.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise RuleViolationError("base_url is not a valid URL") from exc
    if parts.scheme not in {"http", "https"} or not host:
        raise RuleViolationError("base_url must be an http:// or https:// URL with a host")
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        raise RuleViolationError("base_url may not carry credentials, a query or a fragment")
    return raw.strip().rstrip("/")


def _headers(credentials: dict[str, Any]) -> dict[str, str]:
    headers = {"Accept": "application/json", "User-Agent": "Triboka-ERP-connector/2"}
    if credentials.get("api_key"):
        headers["Authorization"] = f"Bearer {credentials['api_key']}"
    elif credentials.get("username"):
        pair = f"{credentials['username']}:{credentials.get('password') or ''}".encode()
        headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
    return headers


def credentials_context(connection_id: str) -> str:
    """The associated data of a connection's credentials: they open on their own row only."""
    return f"erp-connection:{connection_id}"


def _credentials(ring: KeyRing, row: ErpConnection) -> dict[str, Any]:
    """The connection's credentials; sealed under an older ring key, they are stored again under the current one
    (the caller commits)."""
    if not row.credentials:
        return {}
    try:
        plaintext, row.credentials = ring.refreshed(row.credentials, credentials_context(row.connection_id))
    except UnreadableSecretError as exc:
        raise RuleViolationError(
            "The connection's credentials cannot be decrypted (the key changed): add the connection again"
        ) from exc
    values = json.loads(plaintext)
    return values if isinstance(values, dict) else {}


async def _reachable(
    transport: ErpTransport, spec: SystemSpec, base_url: str, headers: dict[str, str]
) -> bool:
    try:
        reply = await transport.send("GET", f"{base_url}{spec.health_path}", headers=headers)
    except ExternalServiceError:
        return False
    return reply.status in REACHABLE


async def list_connections(session: AsyncSession) -> Sequence[ErpConnection]:
    return (await session.scalars(select(ErpConnection).order_by(ErpConnection.id))).all()


async def _new_connection_id(session: AsyncSession, system: str) -> str:
    base = f"{system}_{utcnow():%Y%m%d_%H%M%S}"
    taken = await session.scalar(
        select(func.count()).where(
            (ErpConnection.connection_id == base) | ErpConnection.connection_id.startswith(f"{base}_")
        )
    )
    return f"{base}_{taken + 1}" if taken else base


async def create_connection(
    session: AsyncSession,
    transport: ErpTransport,
    ring: KeyRing,
    principal: Principal,
    new: NewConnection,
) -> ErpConnection:
    """S-62: unsupported system 400 → base URL 400 (format, then a refused address) → connectivity test 400."""
    spec = _spec(new.system_type)
    base_url = checked_base_url(new.base_url)
    credentials = {
        k: v
        for k, v in (("api_key", new.api_key), ("username", new.username), ("password", new.password))
        if v
    }
    if not await _reachable(transport, spec, base_url, _headers(credentials)):
        raise RuleViolationError(
            f"Connectivity test failed: {base_url}{spec.health_path} did not answer 200 or 401"
        )
    connection_id = await _new_connection_id(session, new.system_type)
    plaintext = json.dumps(credentials, sort_keys=True).encode()
    row = ErpConnection(
        connection_id=connection_id,
        system_type=new.system_type,
        name=new.name,
        base_url=base_url,
        credentials=ring.seal(plaintext, credentials_context(connection_id)) if credentials else None,
        status=CONNECTED,
        created_by_user_id=principal.id,
    )
    session.add(row)
    try:
        await session.commit()
    except IntegrityError as exc:  # two connections of one system in the same second, at the same moment
        await session.rollback()
        raise ConflictError("Another connection was added at the same moment; try again") from exc
    return row


async def _connection(session: AsyncSession, connection_id: str) -> ErpConnection | None:
    return await session.scalar(select(ErpConnection).where(ErpConnection.connection_id == connection_id))


async def recheck_connection(
    session: AsyncSession, transport: ErpTransport, ring: KeyRing, connection_id: str
) -> ErpConnection:
    """S-67: the connectivity test again; the connection's status records the outcome."""
    row = await _connection(session, connection_id)
    if row is None:
        raise NotFoundError("Connection")
    ok = await _reachable(transport, _spec(row.system_type), row.base_url, _headers(_credentials(ring, row)))
    row.status = CONNECTED if ok else DISCONNECTED
    await session.commit()
    return row


# An entity as a document: which endpoint it goes to, and its payload in a system's shape
Document = tuple[str, Callable[[SystemSpec], JsonObject]]
_WHAT = {EntityKind.COMPANIES: "company", EntityKind.CONTRACTS: "contract", EntityKind.FIXATIONS: "fixation"}


async def _document(session: AsyncSession, kind: EntityKind, entity_id: int) -> Document:
    if kind is EntityKind.COMPANIES:
        company = await session.get(Company, entity_id)
        if company is None:
            raise NotFoundError("Company")
        return "companies", lambda spec: spec.company(company)
    if kind is EntityKind.CONTRACTS:
        contract = await session.get(ExportContract, entity_id)
        if contract is None:
            raise NotFoundError("Contract")
        return "orders", lambda spec: spec.order(contract_order(contract))
    fixation = await session.get(ContractFixation, entity_id)
    if fixation is None:
        raise NotFoundError("Fixation")
    parent = await session.get(ExportContract, fixation.export_contract_id)
    assert parent is not None  # a foreign key
    return "orders", lambda spec: spec.order(fixation_order(fixation, parent))


async def _known_connection(session: AsyncSession, connection_id: str) -> ErpConnection:
    row = await _connection(session, connection_id)
    if row is None:
        raise RuleViolationError(f"Unknown ERP connection: {connection_id!r}")
    return row


async def _push(
    transport: ErpTransport,
    ring: KeyRing,
    row: ErpConnection,
    kind: EntityKind,
    entity_id: int,
    document: Document,
) -> Pushed:
    endpoint, payload_of = document
    spec = _spec(row.system_type)
    payload = payload_of(spec)
    headers = _headers(_credentials(ring, row))
    # the same document pushed again through the same connection carries the same key: an ERP that honours
    # Idempotency-Key records a retried (or repeated) push once
    fingerprint = orjson.dumps(
        [row.connection_id, kind.value, entity_id, payload], option=orjson.OPT_SORT_KEYS
    )
    headers["Idempotency-Key"] = hashlib.sha256(fingerprint).hexdigest()
    reply = await transport.send(
        "POST", f"{row.base_url}{spec.endpoints[endpoint]}", headers=headers, json=payload
    )
    if reply.status >= 500:  # still failing after the transport's retries: the ERP is in trouble
        raise ExternalServiceError(f"The ERP failed on the {_WHAT[kind]} {entity_id} (HTTP {reply.status})")
    if not 200 <= reply.status < 300:
        raise ErpRejectedError(f"The ERP rejected the {_WHAT[kind]} {entity_id} (HTTP {reply.status})")
    return Pushed(erp_response=reply.body, erp_id=erp_id(spec, reply.body))


async def push_one(
    session: AsyncSession,
    transport: ErpTransport,
    ring: KeyRing,
    kind: EntityKind,
    entity_id: int,
    connection_id: str,
) -> Pushed:
    """S-63..S-65: missing entity 404 → unknown connection 400 → the ERP's refusal 502 (Δ 193)."""
    document = await _document(session, kind, entity_id)
    row = await _known_connection(session, connection_id)
    pushed = await _push(transport, ring, row, kind, entity_id, document)
    row.last_sync, row.status = utcnow(), CONNECTED
    await session.commit()
    return pushed


_ID_COLUMNS: dict[EntityKind, InstrumentedAttribute[int]] = {
    EntityKind.COMPANIES: Company.id,
    EntityKind.CONTRACTS: ExportContract.id,
    EntityKind.FIXATIONS: ContractFixation.id,
}


async def push_bulk(
    session: AsyncSession,
    transport: ErpTransport,
    ring: KeyRing,
    kind: EntityKind,
    entity_ids: list[int],
    connection_id: str,
) -> BulkOutcome:
    """S-66: each entity in turn; an empty list means all of them (at most BULK_MAX, else 400). A missing entity
    or a document the ERP refuses (4xx) is an error of that id; an ERP that cannot be reached, times out or keeps
    failing (5xx) ends the run, and the ids not tried yet are errors with that reason."""
    row = await _known_connection(session, connection_id)
    if not entity_ids:
        column = _ID_COLUMNS[kind]
        entity_ids = list(await session.scalars(select(column).order_by(column).limit(BULK_MAX + 1)))
    if len(entity_ids) > BULK_MAX:
        raise RuleViolationError(f"At most {BULK_MAX} entities per bulk push: send entity_ids in parts")
    outcome = BulkOutcome(results=[], errors=[])
    for position, entity_id in enumerate(entity_ids):
        try:
            pushed = await _push(
                transport, ring, row, kind, entity_id, await _document(session, kind, entity_id)
            )
        except (NotFoundError, ErpRejectedError) as exc:
            outcome.errors.append({"id": entity_id, "error": exc.message})
            continue
        except ExternalServiceError as exc:
            outcome.errors.extend({"id": i, "error": exc.message} for i in entity_ids[position:])
            break
        outcome.results.append({"id": entity_id, "status": "success", "erp_id": pushed.erp_id})
    if outcome.results:
        row.last_sync, row.status = utcnow(), CONNECTED
        await session.commit()
    return outcome
