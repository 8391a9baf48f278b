"""The backup job's log lines follow the services' one JSON schema (tests/support/logschema.py): read from the
installed console script's stderr, each line naming its action."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Result
from test_roundtrip import cli_subprocess
from triboka_backup import cli

from tests.support.logschema import assert_same_implementation, assert_schema


def test_the_schema_module_is_the_apis() -> None:
    assert_same_implementation("backup")


def test_a_backup_and_its_restore_log_the_schema_with_their_action(
    seeded_sqlite: Path, tmp_path: Path
) -> None:
    env = {
        "TRIBOKA_BACKUP_DATABASE_URL": f"sqlite+aiosqlite:///{seeded_sqlite}",
        "TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path / "backups"),
    }
    restored = tmp_path / "restored.db"
    for action, *args in (("run",), ("restore", "latest", "--target-url", f"sqlite:///{restored}")):
        result = cli_subprocess(action, *args, env=env)
        assert result.code == 0, result.err
        lines = result.events()
        assert lines, f"{action} logged nothing"
        for line in lines:
            assert_schema(line, action=True)
            assert line["action"] == action
            assert line["request_id"] is None
            assert line["trace_id"] is None


def test_an_unexpected_failure_logs_the_error_and_its_traceback_apart(
    monkeypatch: pytest.MonkeyPatch, backup_cli: Callable[..., Result], tmp_path: Path
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(cli.COMMANDS, "list", broken)
    result = backup_cli("list", env={"TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path)})
    assert result.code != 0
    (failure,) = [line for line in result.events() if line["level"] == "error"]
    assert_schema(failure, action=True)
    assert failure["action"] == "list"
    assert failure["error"] == {"type": "RuntimeError", "message": "disk on fire"}
    assert failure["traceback"].startswith("Traceback")
    assert "disk on fire" in failure["traceback"]
