"""Layers point one way (routes -> domain -> models): nothing under `domain/` may know HTTP. The import graph is
read from the source (every `import` and `from ... import`, including ones inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import triboka_api

PACKAGE = Path(triboka_api.__file__).parent
FORBIDDEN = ("fastapi", "starlette", "triboka_api.api")


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def http_imports(path: Path) -> list[str]:
    return sorted(
        module
        for module in imported_modules(path)
        if any(module == name or module.startswith(f"{name}.") for name in FORBIDDEN)
    )


@pytest.mark.parametrize("path", sorted((PACKAGE / "domain").rglob("*.py")), ids=lambda p: p.name)
def test_domain_module_knows_no_http(path: Path) -> None:
    assert http_imports(path) == []


def test_the_check_sees_an_http_import(tmp_path: Path) -> None:
    module = tmp_path / "leaky.py"
    module.write_text(
        "def f():\n    from triboka_api.api.errors import bad_request\n    import starlette.requests\n"
    )
    assert http_imports(module) == ["starlette.requests", "triboka_api.api.errors"]
