"""The import's report: every table of the source with its row count and where each row went (imported into a
table of this schema, kept aside in `legacy_rows` with the reason, or skipped because it was imported before),
the users' password formats, and the exit code that follows from them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class ImportExit(IntEnum):
    OK = 0
    UNMAPPED = 3  # rows have no home in this schema and --allow-unmapped was not given: nothing is written


@dataclass
class TableReport:
    rows: int = 0
    into: list[str] = field(default_factory=list)  # the tables of this schema its rows went to
    note: str | None = None  # why the table as a whole is not imported
    imported: int = 0
    kept: int = 0  # newly kept aside in legacy_rows, without a home
    skipped: int = 0  # not written in this run (imported or kept aside by an earlier run)
    unmapped: int = 0  # rows whose data lives only in legacy_rows (kept now or by an earlier run)
    reasons: Counter[str] = field(default_factory=Counter)  # why rows were not imported
    notes: Counter[str] = field(default_factory=Counter)  # how imported rows were mapped, where it matters

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.reasons[reason] += 1

    def keep(self, reason: str, *, new: bool) -> None:
        """A row kept aside without a home; `new` is False when an earlier run kept the same row."""
        self.unmapped += 1
        if new:
            self.kept += 1
            self.reasons[reason] += 1
        else:
            self.skip("already kept in legacy_rows")

    def target(self, table: str) -> None:
        if table not in self.into:
            self.into.append(table)

    def destination(self) -> str:
        parts = [", ".join(self.into)] if self.into else []
        if self.note:
            parts.append(self.note)
        elif self.unmapped:
            parts.append("rows without a home kept in legacy_rows")
        return "; ".join(parts) or "-"


@dataclass
class HashFormat:
    users: int = 0
    emails: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    source: str = ""
    tables: dict[str, TableReport] = field(default_factory=dict)
    password_formats: dict[str, HashFormat] = field(default_factory=dict)

    def table(self, name: str) -> TableReport:
        return self.tables.setdefault(name, TableReport())

    def password_format(self, fmt: str, email: str) -> None:
        entry = self.password_formats.setdefault(fmt, HashFormat())
        entry.users += 1
        entry.emails.append(email)

    @property
    def unmapped_rows(self) -> int:
        return sum(t.unmapped for t in self.tables.values())

    def exit_code(self, *, allow_unmapped: bool) -> ImportExit:
        return ImportExit.UNMAPPED if self.unmapped_rows and not allow_unmapped else ImportExit.OK

    def as_dict(self, *, allow_unmapped: bool = False) -> dict[str, Any]:
        from triboka_api.importer.hashes import LOGIN_BEHAVIOUR

        return {
            "source": self.source,
            "tables": {
                name: {
                    "rows": t.rows,
                    "into": t.into,
                    "note": t.note,
                    "imported": t.imported,
                    "kept": t.kept,
                    "skipped": t.skipped,
                    "unmapped": t.unmapped,
                    "reasons": dict(t.reasons),
                    "notes": dict(t.notes),
                }
                for name, t in self.tables.items()
            },
            "passwords": {
                fmt: {"users": entry.users, "emails": entry.emails, "login": LOGIN_BEHAVIOUR[fmt]}
                for fmt, entry in self.password_formats.items()
            },
            "unmapped_rows": self.unmapped_rows,
            "exit_code": int(self.exit_code(allow_unmapped=allow_unmapped)),
        }

    def render(self, *, allow_unmapped: bool = False) -> str:
        from triboka_api.importer.hashes import LOGIN_BEHAVIOUR, SHOW_EMAILS

        total = sum(t.rows for t in self.tables.values())
        lines = [
            f"source: {self.source} ({len(self.tables)} tables, {total} rows)",
            f"{'table':<26} {'rows':>6} {'imported':>8} {'kept':>6} {'skipped':>7}  into / why not",
        ]
        for name, t in self.tables.items():
            lines.append(
                f"{name:<26} {t.rows:>6} {t.imported:>8} {t.kept:>6} {t.skipped:>7}  {t.destination()}"
            )
            details = (t.reasons | t.notes).items()
            lines.extend(f"{'':<28}- {why}: {count}" for why, count in details if why != t.note)
        lines.append("users by password format:")
        for fmt, entry in self.password_formats.items():
            who = f" ({', '.join(entry.emails)})" if fmt in SHOW_EMAILS else ""
            lines.append(f"  {fmt}: {entry.users} user(s){who}: {LOGIN_BEHAVIOUR[fmt]}")
        code = self.exit_code(allow_unmapped=allow_unmapped)
        unmapped = self.unmapped_rows
        if not unmapped:
            lines.append("every row of the source is imported or was imported before; exit code 0")
        elif code == ImportExit.OK:
            lines.append(
                f"{unmapped} row(s) without a home are kept in legacy_rows (--allow-unmapped); exit code 0"
            )
        else:
            lines.append(
                f"{unmapped} row(s) have no home in this schema: nothing was written, exit code {int(code)}; "
                "run again with --allow-unmapped to import and keep them in legacy_rows"
            )
        return "\n".join(lines)
