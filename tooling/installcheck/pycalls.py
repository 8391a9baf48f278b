"""The external commands a Python file runs: `subprocess.run(["cmd", ...])`-style calls and `shutil.which("cmd")`."""

from __future__ import annotations

import ast
from pathlib import Path

# call names whose first argument is an argv list (subprocess's and the tests' own thin wrappers around it)
_RUNNERS = {"run", "Popen", "check_call", "check_output", "call"}


def commands(path: Path) -> set[str]:
    found: set[str] = set()
    source = path.read_text()
    if not any(name in source for name in ("which(", *(f"{runner}(" for runner in _RUNNERS))):
        return found
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        first = node.args[0]
        if name == "which" and isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.add(first.value)
        elif name in _RUNNERS and (program := _argv0(first)):
            found.add(program)
    return found


def _argv0(node: ast.expr) -> str | None:
    """The program of a literal argv: ["cmd", ...] or [*("cmd", ...), ...]."""
    if not isinstance(node, ast.List | ast.Tuple) or not node.elts:
        return None
    head = node.elts[0]
    if isinstance(head, ast.Starred):
        return _argv0(head.value)
    if isinstance(head, ast.Constant) and isinstance(head.value, str):
        return head.value
    return None
