"""`list` output: each backup with its time, size, status and retention class."""

from __future__ import annotations

import json
from typing import Any

from triboka_backup.retention import RetentionPolicy
from triboka_backup.verify import Entry, retention_of


def render(entries: list[Entry], policy: RetentionPolicy, as_json: bool) -> str:
    decisions = retention_of(entries, policy)
    rows: list[dict[str, Any]] = []
    for entry in entries:
        decision = decisions.get(entry.backup_id)
        rows.append(
            {
                "id": entry.backup_id,
                "taken_at": entry.manifest.started_at.isoformat() if entry.manifest else None,
                "size_bytes": entry.size,
                "status": "ok" if entry.ok else f"damaged: {entry.problem}",
                "retention": (",".join(decision.reasons) or "prune") if decision else "-",
                "schema_revision": entry.manifest.schema_revision if entry.manifest else None,
            }
        )
    if as_json:
        return json.dumps(rows, indent=2)
    lines = [f"{'ID':<21} {'TAKEN (UTC)':<20} {'SIZE':>12} {'RETENTION':<28} STATUS"]
    for row in rows:
        taken = (row["taken_at"] or "?")[:19].replace("T", " ")
        lines.append(
            f"{row['id']:<21} {taken:<20} {row['size_bytes']:>12} {row['retention']:<28} {row['status']}"
        )
    return "\n".join(lines)
