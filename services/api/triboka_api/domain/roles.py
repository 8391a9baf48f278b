"""The platform's roles (§3.1). Users imported from the first generation may carry other values (`broker`,
...): those are stored as they are and match none of these, so they get no role's rights (Δ 71)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    EXPORTER = "exporter"
    BUYER = "buyer"
    PRODUCER = "producer"
    USER = "user"


# every role, for membership tests on stored strings (`str in Role` raises TypeError before Python 3.12)
ALL_ROLES = frozenset(Role)
# privileged across the API (Δ §9 #8)
ADMIN_ROLES = frozenset({Role.ADMIN, Role.OPERATOR})
# the roles that act for a company (§3.1)
PARTY_ROLES = frozenset({Role.EXPORTER, Role.BUYER, Role.PRODUCER})
