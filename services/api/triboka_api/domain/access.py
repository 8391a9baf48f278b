"""Who may see or touch what: party rules shared by contracts, fixations, dispatches and traceability."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, exists, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.bounds import row_id
from triboka_api.domain.errors import PermissionDeniedError
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import PARTY_ROLES, Role
from triboka_api.models import (
    BatchLot,
    BatchNft,
    ContractFixation,
    Deal,
    DealMember,
    DealTraceLink,
    DigitalIdentity,
    ExportContract,
    ProducerLot,
)


def party_company(principal: Principal) -> int | None:
    """The company the caller acts for as a party: None for unknown roles (Δ 71) and for company-less users, so
    that no party rule can match them (a company-less user is nobody's party, not a party of NULL, Δ 73)."""
    return principal.company_id if principal.role in PARTY_ROLES else None


def is_own_company(principal: Principal, company_id: int | None) -> bool:
    """The caller acts for `company_id`; never true for a NULL company (None == None is no ownership)."""
    own = party_company(principal)
    return own is not None and own == company_id


def of_company(column: SQLColumnExpression[int | None], company_id: int | None) -> ColumnElement[bool]:
    """`column = company_id`, and nothing for a company-less caller: SQLAlchemy renders `== None` as IS NULL,
    which would make every company-less user one company (Δ 73)."""
    return column == company_id if company_id is not None else false()


def is_contract_party(principal: Principal, contract: ExportContract) -> bool:
    """admin/operator, or the caller acts for the contract's buyer or exporter (a known party role, §3.1)."""
    if principal.is_admin:
        return True
    company = party_company(principal)
    return company is not None and company in (contract.buyer_company_id, contract.exporter_company_id)


def fixation_deletable_by(principal: Principal, fixation: ContractFixation) -> bool:
    """C-33 (Δ 72): admin/operator, or its creator while still a party of the contract (not after moving
    company or losing the role)."""
    if principal.is_admin:
        return True
    return fixation.created_by_user_id == principal.id and is_contract_party(principal, fixation.contract)


def batch_dispatchable_by(principal: Principal, batch: BatchNft) -> bool:
    """C-36 (Δ 70): admin/operator, or the caller's company created or owns the batch."""
    if principal.is_admin:
        return True
    company = party_company(principal)
    return company is not None and company in (batch.creator_company_id, batch.current_owner_company_id)


def contract_visible_to(principal: Principal, contract: ExportContract, producer_linked: bool) -> bool:
    """C-27: exporter side, buyer side, or (Δ) a producer with a lot linked to the contract."""
    if principal.is_admin:
        return True
    role, company = principal.role, party_company(principal)
    if company is None:
        return False
    if role == Role.EXPORTER:
        return contract.exporter_company_id == company
    if role == Role.BUYER:
        return contract.buyer_company_id == company
    if role == Role.PRODUCER:
        return producer_linked
    return False


async def producer_linked_to_contract(
    session: AsyncSession, company_id: int | None, contract_id: int
) -> bool:
    if company_id is None:
        return False
    return bool(
        await session.scalar(
            select(
                exists().where(
                    ProducerLot.export_contract_id == contract_id,
                    ProducerLot.producer_company_id == company_id,
                )
            )
        )
    )


async def batch_contains_company_lot(session: AsyncSession, batch_id: int, company_id: int | None) -> bool:
    if company_id is None:
        return False
    return bool(
        await session.scalar(
            select(
                exists()
                .where(BatchLot.batch_id == batch_id)
                .where(BatchLot.lot_id == ProducerLot.id)
                .where(ProducerLot.producer_company_id == company_id)
            )
        )
    )


async def batch_visible_to(session: AsyncSession, principal: Principal, batch: BatchNft) -> bool:
    """C-24: admin/operator; exporter creator or owner; buyer owner; producer with an own lot inside."""
    if principal.is_admin:
        return True
    company = party_company(principal)
    if company is None:
        return False
    if principal.role == Role.EXPORTER:
        return company in (batch.creator_company_id, batch.current_owner_company_id)
    if principal.role == Role.BUYER:
        return batch.current_owner_company_id == company
    if principal.role == Role.PRODUCER:
        return await batch_contains_company_lot(session, batch.id, company)
    return False


async def lot_trace_visible_to(session: AsyncSession, principal: Principal, lot: ProducerLot) -> bool:
    """C-20: producer owns it; exporter bought it; buyer owns a batch containing it."""
    if principal.is_admin:
        return True
    company = party_company(principal)
    if company is None:
        return False
    if principal.role == Role.PRODUCER:
        return lot.producer_company_id == company
    if principal.role == Role.EXPORTER:
        return lot.purchased_by_company_id == company
    if principal.role == Role.BUYER:
        return bool(
            await session.scalar(
                select(
                    exists()
                    .where(BatchLot.lot_id == lot.id)
                    .where(BatchNft.id == BatchLot.batch_id)
                    .where(BatchNft.current_owner_company_id == company)
                )
            )
        )
    return False


def _deal_party(principal: Principal) -> ColumnElement[bool]:
    """The caller's deal_members rows: its company's, or its own (`party_type` user) when it has no company. The
    type is matched too, so a company-less user's id never passes for the company with the same id (Δ 73)."""
    if principal.company_id is not None:
        return and_(DealMember.party_type == "company", DealMember.party_id == principal.company_id)
    return and_(DealMember.party_type == "user", DealMember.party_id == principal.id)


async def deal_member(session: AsyncSession, deal_id: int, principal: Principal) -> bool:
    return bool(
        await session.scalar(select(exists().where(DealMember.deal_id == deal_id, _deal_party(principal))))
    )


async def _batch_in_member_deal(session: AsyncSession, batch_id: int, principal: Principal) -> bool:
    deal_ids = (await session.scalars(select(DealMember.deal_id).where(_deal_party(principal)))).all()
    if not deal_ids:
        return False
    links = await session.scalars(select(DealTraceLink.batch_ids).where(DealTraceLink.deal_id.in_(deal_ids)))
    return any(str(batch_id) in {str(b) for b in (ids or [])} for ids in links)


async def trace_entity_allowed(
    session: AsyncSession, principal: Principal, entity_type: str, entity_id: str
) -> bool:
    """The trace entity permission rule (C-41, C-43, C-45) with the Δs of §4.10; unknown roles: none (Δ 71)."""
    if principal.is_admin:
        return True
    ident = row_id(entity_id)
    if principal.role not in PARTY_ROLES or ident is None:
        return False
    company = party_company(principal)
    if entity_type == "lot":
        lot = await session.get(ProducerLot, ident)
        return (
            lot is not None
            and company is not None
            and company in (lot.producer_company_id, lot.purchased_by_company_id)
        )
    if entity_type == "batch":
        batch = await session.get(BatchNft, ident)
        if batch is None:
            return False
        if company is not None and company in (batch.creator_company_id, batch.current_owner_company_id):
            return True
        return await _batch_in_member_deal(session, ident, principal)
    if entity_type == "contract":
        contract = await session.get(ExportContract, ident)
        if contract is None:
            return False
        return contract.created_by_user_id == principal.id or (
            company is not None and company in (contract.buyer_company_id, contract.exporter_company_id)
        )
    if entity_type == "deal":
        return await deal_member(session, ident, principal)
    return False


def party_filter(principal: Principal) -> ColumnElement[bool] | Literal[False] | None:
    """Rows of contracts where the caller's company is a party (C-31, C-35).

    None means no restriction (admin and operator); False means nothing (a company-less user or an unknown role).
    """
    if principal.is_admin:
        return None
    company = party_company(principal)
    if company is None:
        return False
    return or_(ExportContract.buyer_company_id == company, ExportContract.exporter_company_id == company)


def contract_editable_by(principal: Principal, contract: ExportContract) -> bool:
    """S-03, S-04: admin/operator, or its creator while still a party of the contract (as C-33's rule for
    fixations: not after moving company or losing the role)."""
    if principal.is_admin:
        return True
    return contract.created_by_user_id == principal.id and is_contract_party(principal, contract)


MARKETPLACE_ROLES = frozenset({Role.ADMIN, Role.OPERATOR, Role.EXPORTER, Role.BUYER})


class LotListing(StrEnum):
    """Which lots C-13 lists to a caller."""

    ALL = "all"
    OWN_COMPANY = "own_company"  # the producer company's own lots (none without a company)
    NONE = "none"


def lot_listing(principal: Principal) -> LotListing:
    """Every lot for the marketplace roles, a producer's own company's lots, none for anyone else. C-13 binds it
    into its prebuilt statements (`domain.lot_list`); the rest takes it as SQL through `lots_listed_to`."""
    if principal.role in MARKETPLACE_ROLES:
        return LotListing.ALL
    if principal.role == Role.PRODUCER:
        return LotListing.OWN_COMPANY
    return LotListing.NONE


def lots_listed_to(principal: Principal) -> ColumnElement[bool]:
    """The lots C-13 lists to the caller (`lot_listing`) as SQL (offline sync uses the same rule)."""
    listing = lot_listing(principal)
    if listing is LotListing.ALL:
        return true()
    if listing is LotListing.OWN_COMPANY:
        return of_company(ProducerLot.producer_company_id, principal.company_id)
    return false()


def contracts_listed_to(principal: Principal) -> ColumnElement[bool]:
    """The contracts C-25 lists to the caller: admin and operator all; exporter and buyer their side's; a
    producer those holding one of its lots; nobody else any (offline sync uses the same rule)."""
    company = principal.company_id
    if principal.is_admin:
        return true()
    if principal.role == Role.EXPORTER:
        return of_company(ExportContract.exporter_company_id, company)
    if principal.role == Role.BUYER:
        return of_company(ExportContract.buyer_company_id, company)
    if principal.role == Role.PRODUCER:
        return exists().where(
            ProducerLot.export_contract_id == ExportContract.id,
            of_company(ProducerLot.producer_company_id, company),
        )
    return false()


# Deal rooms (§5.6) ----------------------------------------------------------------------------------------------


class Scope(StrEnum):
    """Confidentiality of a deal note, message or file."""

    PUBLIC = "PUBLIC"  # every member of the deal
    PARTES = "PARTES"  # the deal's parties (producer, exporter) and its admins
    SOLO_ADMIN = "SOLO_ADMIN"  # the deal's admins only


class DealRole(StrEnum):
    ADMIN = "admin"
    PRODUCER = "producer"
    EXPORTER = "exporter"
    BUYER = "buyer"
    OBSERVER = "observer"


_PARTY_DEAL_ROLES = frozenset({DealRole.PRODUCER, DealRole.EXPORTER})


@dataclass(frozen=True)
class DealAccess:
    """The caller's role in one deal and what follows from it."""

    role: DealRole
    can_write: bool

    @property
    def is_admin(self) -> bool:
        return self.role is DealRole.ADMIN

    @property
    def scopes(self) -> frozenset[Scope]:
        """The scopes the caller reads (Δ 102): admins all, the parties PUBLIC and PARTES, others PUBLIC."""
        if self.is_admin:
            return frozenset(Scope)
        if self.role in _PARTY_DEAL_ROLES:
            return frozenset({Scope.PUBLIC, Scope.PARTES})
        return frozenset({Scope.PUBLIC})


async def _member_row(session: AsyncSession, deal_id: int, principal: Principal) -> DealMember | None:
    """A member row added with S-28 naming the caller: its company (party roles only, Δ 71) or itself."""
    company = party_company(principal)
    mine = and_(DealMember.party_type == "user", DealMember.party_id == principal.id)
    if company is not None:
        mine = or_(mine, and_(DealMember.party_type == "company", DealMember.party_id == company))
    return await session.scalar(
        select(DealMember).where(DealMember.deal_id == deal_id, mine).order_by(DealMember.id).limit(1)
    )


async def deal_access(session: AsyncSession, principal: Principal, deal: Deal) -> DealAccess:
    """The deal-access rule of §5.6, first match wins: the deal's admin; the producer company; the exporter
    company; admin or operator; (Δ 101) a member row of S-28 naming the caller's company or the caller; else 403.
    Company matches need a party role and a company (Δ 71, Δ 73)."""
    company = party_company(principal)
    if deal.admin_id == principal.id:
        return DealAccess(DealRole.ADMIN, can_write=True)
    if company is not None and company == deal.producer_id:
        return DealAccess(DealRole.PRODUCER, can_write=True)
    if company is not None and company == deal.exporter_id:
        return DealAccess(DealRole.EXPORTER, can_write=True)
    if principal.is_admin:
        return DealAccess(DealRole.ADMIN, can_write=True)
    member = await _member_row(session, deal.id, principal)
    if member is not None and member.role_in_deal in set(DealRole) - {DealRole.ADMIN}:
        return DealAccess(DealRole(member.role_in_deal), can_write="write" in (member.permissions or []))
    raise PermissionDeniedError("No access to this deal")


def require_deal_admin(access: DealAccess) -> None:
    """S-28, S-33, S-34, S-36: the deal's admin, or an admin or operator."""
    if not access.is_admin:
        raise PermissionDeniedError("Only the deal's admins may do this")


def require_deal_writer(access: DealAccess) -> None:
    """Posting notes, messages and files: members whose permissions lack `write` only read (Δ 101)."""
    if not access.can_write:
        raise PermissionDeniedError("Your membership of this deal is read-only")


def scope_allowed(access: DealAccess, scope: Scope) -> None:
    """SOLO_ADMIN by a non-admin is 403 (S-30, S-37); a PARTES post by a non-party too (Δ 102)."""
    if scope not in access.scopes:
        raise PermissionDeniedError(f"Scope {scope} is not open to your role in this deal")


def identity_visible_to(principal: Principal, identity: DigitalIdentity) -> bool:
    """S-45, S-48: the owner, a party of the DID's company (not a company-less or unknown-role user, Δ 71/73)
    and admins read a DID and its signatures."""
    return (
        principal.role == Role.ADMIN
        or identity.user_id == principal.id
        or is_own_company(principal, identity.company_id)
    )


def identities_listed_to(principal: Principal) -> ColumnElement[bool]:
    """S-46: every DID for admins; otherwise the caller's own and its company's (the same rule as S-45)."""
    if principal.role == Role.ADMIN:
        return true()
    return or_(
        DigitalIdentity.user_id == principal.id,
        of_company(DigitalIdentity.company_id, party_company(principal)),
    )
