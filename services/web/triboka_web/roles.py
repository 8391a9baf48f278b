"""Which actions each role is offered, mirroring the API's permission matrix (contract §3.2).

The API stays the authority: it scopes every list and refuses what a role may not do. These sets only
decide which pages, menu entries and buttons a role is shown, so people are not offered actions that
would be refused.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    EXPORTER = "exporter"
    BUYER = "buyer"
    PRODUCER = "producer"


class Action(StrEnum):
    CREATE_LOT = "create_lot"
    PURCHASE_LOT = "purchase_lot"
    CREATE_BATCH = "create_batch"
    CREATE_CONTRACT = "create_contract"
    CREATE_FIXATION = "create_fixation"
    CREATE_DISPATCH = "create_dispatch"
    MANAGE_USERS = "manage_users"
    BROKER_DEALS = "broker_deals"
    MANAGE_ERP = "manage_erp"
    MANAGE_API_KEYS = "manage_api_keys"
    PRODUCER_DASHBOARD = "producer_dashboard"
    EXPORTER_DASHBOARD = "exporter_dashboard"
    BUYER_DASHBOARD = "buyer_dashboard"
    REVIEW_IDENTITIES = "review_identities"
    MATCH = "match"


STAFF = frozenset({Role.ADMIN, Role.OPERATOR})

ALLOWED: dict[Action, frozenset[Role]] = {
    Action.CREATE_LOT: STAFF | {Role.PRODUCER},
    Action.PURCHASE_LOT: STAFF | {Role.EXPORTER},
    Action.CREATE_BATCH: STAFF | {Role.EXPORTER},
    Action.CREATE_CONTRACT: STAFF | {Role.EXPORTER, Role.BUYER},
    Action.CREATE_FIXATION: STAFF | {Role.EXPORTER},
    Action.CREATE_DISPATCH: STAFF | {Role.EXPORTER},
    Action.MANAGE_USERS: STAFF,
    Action.BROKER_DEALS: STAFF,
    Action.MANAGE_ERP: STAFF,  # S-60..S-67
    Action.MANAGE_API_KEYS: frozenset({Role.ADMIN}),  # Δ 157: only an admin issues company keys
    Action.PRODUCER_DASHBOARD: frozenset({Role.ADMIN, Role.PRODUCER}),
    Action.EXPORTER_DASHBOARD: frozenset({Role.ADMIN, Role.EXPORTER}),
    Action.BUYER_DASHBOARD: frozenset({Role.ADMIN, Role.BUYER}),
    Action.REVIEW_IDENTITIES: frozenset({Role.ADMIN}),  # the API's rule: only admins verify DIDs and KYC
    Action.MATCH: STAFF | {Role.EXPORTER, Role.BUYER},  # S-50, S-51, S-53
}


def can(role: str | None, action: Action | str) -> bool:
    return role in ALLOWED[Action(action)]
