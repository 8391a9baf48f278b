"""The committed data: which packages a new machine has, and what provides each command."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def _rows(path: Path) -> list[list[str]]:
    lines = path.read_text().splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


def base_packages(path: Path = HERE / "base-packages.txt") -> set[str]:
    return {row[0].strip() for row in _rows(path)}


def providers(path: Path = HERE / "commands.tsv") -> dict[str, list[str]]:
    return {row[0]: row[1].split(",") for row in _rows(path)}


def exemptions(path: Path = HERE / "exemptions.tsv") -> set[tuple[str, str]]:
    """(target, command) pairs allowed to use what the target does not install (reasons in the file)."""
    return {(row[0], row[1]) for row in _rows(path)}
