"""Applying retention to a store. Only backups that check out are considered, and only they are deleted."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from triboka_backup.errors import VerifyError
from triboka_backup.retention import Decision, RetentionPolicy
from triboka_backup.stores import Store
from triboka_backup.verify import Entry, full_check, retention_of, survey

log = logging.getLogger("triboka_backup")


@dataclass(frozen=True)
class PrunePlan:
    store: Store
    decisions: list[Decision]
    ignored: list[Entry]

    def lines(self) -> list[str]:
        out = [f"{self.store.name}:"]
        for d in self.decisions:
            action = "keep  " if d.keep else "delete"
            out.append(f"  {action} {d.backup_id}  {', '.join(d.reasons) or '-'}")
        out += [f"  ignore {e.backup_id}  (does not check out: {e.problem})" for e in self.ignored]
        return out


def make_plan(store: Store, policy: RetentionPolicy) -> PrunePlan:
    """Plan over quick-checked backups, after the newest of them passed a full checksum check.

    If the newest fails its full check it is set aside (never deleted) and the next one is tried, so
    the backup that retention anchors on is known to be good.
    """
    entries = survey(store)
    ignored = [e for e in entries if not e.ok]
    candidates = [e for e in entries if e.ok]
    while candidates:
        try:
            full_check(store, candidates[0].backup_id)
            break
        except VerifyError as exc:
            log.error(
                "newest backup fails verification, setting it aside: %s",
                exc,
                extra={"event": "verify_failed"},
            )
            ignored.append(
                Entry(candidates[0].backup_id, candidates[0].manifest, str(exc), candidates[0].size)
            )
            candidates.pop(0)
    decisions = list(retention_of(candidates, policy).values())
    return PrunePlan(store, decisions, ignored)


def apply_plan(plan: PrunePlan) -> int:
    deleted = 0
    for decision in plan.decisions:
        if not decision.keep:
            plan.store.delete(decision.backup_id)
            deleted += 1
            log.info(
                "pruned %s from %s",
                decision.backup_id,
                plan.store.name,
                extra={"event": "pruned", "backup_id": decision.backup_id, "store": plan.store.name},
            )
    return deleted
