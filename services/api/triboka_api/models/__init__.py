"""The relational model of §6 (core tables), importable as one namespace for Alembic and the app."""

from triboka_api.models.audit import AuditRecord
from triboka_api.models.base import Base, utcnow
from triboka_api.models.batch import BatchLot, BatchNft
from triboka_api.models.code_counter import CodeCounter
from triboka_api.models.company import Company
from triboka_api.models.contract import ContractFixation, ExportContract
from triboka_api.models.deal import (
    Deal,
    DealFile,
    DealFinance,
    DealMember,
    DealMessage,
    DealNote,
    DealTraceLink,
)
from triboka_api.models.dispatch import Dispatch
from triboka_api.models.erp import ErpConnection
from triboka_api.models.identity import DigitalIdentity, DigitalSignature, KycDocument
from triboka_api.models.integration import CompanyApiKey, ContactRequest
from triboka_api.models.legacy import LegacyRow
from triboka_api.models.lot import ProducerLot
from triboka_api.models.market import MarketPrice
from triboka_api.models.trace import TraceEvent, TraceTimeline
from triboka_api.models.user import User, UserProfile

__all__ = [
    "AuditRecord",
    "Base",
    "BatchLot",
    "BatchNft",
    "CodeCounter",
    "Company",
    "CompanyApiKey",
    "ContactRequest",
    "ContractFixation",
    "Deal",
    "DealFile",
    "DealFinance",
    "DealMember",
    "DealMessage",
    "DealNote",
    "DealTraceLink",
    "DigitalIdentity",
    "DigitalSignature",
    "Dispatch",
    "ErpConnection",
    "ExportContract",
    "KycDocument",
    "LegacyRow",
    "MarketPrice",
    "ProducerLot",
    "TraceEvent",
    "TraceTimeline",
    "User",
    "UserProfile",
    "utcnow",
]
