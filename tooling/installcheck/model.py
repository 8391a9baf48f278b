"""What each make target reaches (recipes, scripts, shell functions, Python tests), what that runs and installs,
and the verdict: every command provided by the base machine or by something the target itself reaches."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tooling.installcheck import pycalls, shell
from tooling.installcheck.makefile import FUNCTION_WORD, MAKE_WORD, read_makefiles

# Directories whose files are the project's shell scripts (a recipe or script may call or source them).
SCRIPT_DIRS = ("scripts", "k8s/local-cluster", "tests/e2e")
BUILTINS = set(
    [
        ".",
        ":",
        "[",
        "[[",
        "alias",
        "bg",
        "break",
        "builtin",
        "caller",
        "cd",
        "command",
        "compgen",
        "complete",
        "continue",
        "declare",
        "dirs",
        "disown",
        "echo",
        "enable",
        "eval",
        "exec",
        "exit",
        "export",
        "false",
        "fc",
        "fg",
        "getopts",
        "hash",
        "help",
        "history",
        "jobs",
        "kill",
        "let",
        "local",
        "logout",
        "mapfile",
        "popd",
        "printf",
        "pushd",
        "pwd",
        "read",
        "readarray",
        "readonly",
        "return",
        "set",
        "shift",
        "shopt",
        "source",
        "suspend",
        "test",
        "times",
        "trap",
        "true",
        "type",
        "typeset",
        "ulimit",
        "umask",
        "unalias",
        "unset",
        "wait",
    ]
)
# commands that run the command after their own options
_WRAPPERS = {
    "nice": {"-n"},
    "env": {"-u"},
    "setsid": set(),
    "timeout": {"-s", "-k"},
    "nohup": set(),
    "xargs": set(),
}
_SHELL_STRING = {"bash", "sh", "su"}  # `bash -c STRING`, `su USER -c STRING`
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")
_SYSTEM_DIRS = ("/usr/", "/bin/", "/sbin/")


@dataclass
class Unit:
    """One thing a target can reach: a recipe, a script's top level, a shell function or a Python file."""

    name: str
    uses: set[str] = field(default_factory=set)  # commands, or absolute paths of tools
    installs: set[str] = field(default_factory=set)  # Debian packages
    edges: set[str] = field(default_factory=set)  # unit names


@dataclass
class Problem:
    target: str
    command: str
    message: str


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.units: dict[str, Unit] = {}
        self.scripts = {
            str(p.relative_to(root)): p
            for d in SCRIPT_DIRS
            if (root / d).is_dir()
            for p in sorted((root / d).iterdir())
            if p.is_file() and _is_shell(p)
        }
        self.parsed = {rel: shell.parse_script(path.read_text()) for rel, path in self.scripts.items()}
        for rel in self.scripts:
            self._add_script(rel)
        self.makefile = read_makefiles(
            [root / "Makefile", *sorted((root / "mk").glob("*.mk"))], {"CURDIR": str(root)}
        )
        self.targets = self.makefile.targets()
        for name, rule in self.targets.items():
            self._add_target(name, rule.prerequisites, rule.recipe)

    # ------------------------------------------------------------------ building units
    def _add_script(self, rel: str) -> None:
        script = self.parsed[rel]
        sourced = [s for c in script.top.commands if c[0] in (".", "source") and len(c) > 1 for s in [c[1]]]
        libraries = [lib for word in sourced if (lib := self._script_path(word, rel))]
        scalars = {k: v for lib in libraries for k, v in self.parsed[lib].top.scalars.items()}
        scalars |= script.top.scalars
        functions = {name: f"fn:{lib}:{name}" for lib in libraries for name in self.parsed[lib].functions}
        functions |= {name: f"fn:{rel}:{name}" for name in script.functions}
        context = _Context(rel, scalars, {**script.top.arrays, **_arrays_of(script.functions)}, functions)
        self.units[f"sh:{rel}"] = self._unit(f"sh:{rel}", script.top.commands, context)
        self.units[f"sh:{rel}"].edges |= {f"sh:{lib}" for lib in libraries}
        for name, body in script.functions.items():
            self.units[f"fn:{rel}:{name}"] = self._unit(f"fn:{rel}:{name}", body.commands, context)

    def _add_target(self, name: str, prerequisites: list[str], recipe: list[str]) -> None:
        text = shell.parse("\n".join(self.makefile.expand(line) for line in recipe))
        context = _Context(None, dict(self.makefile.variables), text.arrays, {})
        unit = self._unit(f"make:{name}", text.commands, context)
        unit.edges |= {f"make:{p}" for p in prerequisites if p in self.targets}
        for command in text.commands:
            if command[0] == MAKE_WORD:
                unit.edges |= {f"make:{w}" for w in command[1:] if w in self.targets}
            unit.edges |= {f"py:{p}" for p in self._python_files(command)}
        for path in {e[3:] for e in unit.edges if e.startswith("py:")} - {u[3:] for u in self.units}:
            self.units[f"py:{path}"] = Unit(f"py:{path}", uses=pycalls.commands(self.root / path))
        self.units[unit.name] = unit

    def _python_files(self, command: list[str]) -> set[str]:
        """The Python files a recipe's pytest or `python -m`/`python FILE` runs (with tests' shared modules)."""
        files: set[str] = set()
        program = command[0].rsplit("/", 1)[-1]
        if not program.startswith(("python", "pytest")):
            return files
        modules = [
            command[i + 1] for i, w in enumerate(command[:-1]) if w == "-m" and command[i + 1] != "pytest"
        ]
        paths = [w for w in command[1:] if (self.root / w).exists() and w.startswith(("tests", "bench"))]
        paths += [m.split(".")[0] for m in modules if program.startswith("python")]
        for p in paths:
            base = self.root / p
            files |= {
                str(f.relative_to(self.root)) for f in ([base] if base.is_file() else base.rglob("*.py"))
            }
            if p.startswith("tests"):
                files |= {
                    "tests/conftest.py",
                    *(str(f.relative_to(self.root)) for f in self.root.glob("tests/support/*.py")),
                }
        return {f for f in files if (self.root / f).exists()}

    def _unit(self, name: str, commands: list[list[str]], context: _Context) -> Unit:
        unit = Unit(name)
        for words in commands:
            self._command(unit, words, context)
        return unit

    def _command(self, unit: Unit, words: list[str], context: _Context) -> None:
        words = [w for w in words if w]
        while words:
            head = words[0]
            if head in ("exec", "time", "!"):
                words = words[1:]
            elif head == "command":  # `command -v X` probes; `command X` runs X
                if len(words) > 1 and words[1] in ("-v", "-V"):
                    return
                words = words[1:]
            elif head in _WRAPPERS:
                unit.uses.add(head)
                words = _after_options(words[1:], _WRAPPERS[head])
            elif head.startswith("${") and head.endswith("[@]}"):  # "${ARRAY[@]}" at a command's position
                for elements in context.arrays.get(head[2:-4], []):
                    if elements:
                        self._command(unit, [*elements, *words[1:]], context)
                return
            else:
                break
        if not words:
            return
        head = context.resolve(words[0])
        if head is None or (head.startswith("$(") and "/" not in head):
            return
        if head in _SHELL_STRING or head == "trap":
            if head == "trap":
                strings = [w for w in words[1:2] if w != "-"]  # `trap - SIGNAL` resets
            else:
                unit.uses.add(head)
                strings = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "-c"]
            for string in strings:
                for inner in shell.parse(string).commands:
                    self._command(unit, inner, context)
            return
        if head in context.functions:
            unit.edges.add(context.functions[head])
            if head == "ensure_pkgs":
                unit.installs |= {p for w in words[1:] if (p := context.resolve(w))}
            return
        if head in BUILTINS or head in (MAKE_WORD, FUNCTION_WORD):
            return
        if head == "apt-get" and "install" in words:
            after = words[words.index("install") + 1 :]
            unit.installs |= {p for w in after if not w.startswith("-") and (p := context.resolve(w))}
        if "/" in head:
            script = self._script_path(head, context.file)
            if script:
                unit.edges.add(f"sh:{script}")
            elif head.startswith(_SYSTEM_DIRS):
                unit.uses.add(head.rsplit("/", 1)[-1])
            elif not head.startswith(str(self.root) + "/") and head.startswith("/"):
                unit.uses.add(head)
            return
        unit.uses.add(head)

    def _script_path(self, word: str, relative_to: str | None) -> str | None:
        """The project script a (resolved or partly resolved) path names."""
        tail = re.split(r"\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\$\(\.\.\.\)", word)[-1].lstrip(
            "./"
        )
        if relative_to and word.startswith("$(...)/"):
            candidate = str(Path(relative_to).parent / tail)
            if candidate in self.scripts:
                return candidate
        if word.startswith(str(self.root) + "/"):
            tail = word[len(str(self.root)) + 1 :]
        matches = [rel for rel in self.scripts if rel == tail or rel.endswith("/" + tail)]
        return matches[0] if len(matches) == 1 else None

    # ------------------------------------------------------------------ the verdict
    def closure(self, target: str) -> set[str]:
        seen: set[str] = set()
        todo = [f"make:{target}"]
        while todo:
            name = todo.pop()
            if name in seen or name not in self.units:
                continue
            seen.add(name)
            todo += self.units[name].edges
        return seen

    def check(self, target: str, providers: dict[str, list[str]], base: set[str]) -> list[Problem]:
        reached = self.closure(target)
        uses = {c for u in reached for c in self.units[u].uses}
        installs = {p for u in reached for p in self.units[u].installs}
        problems = []
        for command in sorted(uses):
            if command not in providers:
                problems.append(
                    Problem(target, command, "unknown command: say in commands.tsv what provides it")
                )
                continue
            for provider in providers[command]:
                if not _provided(provider, base, installs, reached):
                    problems.append(
                        Problem(
                            target,
                            command,
                            f"needs {provider}, which the base machine lacks and neither {target} nor a "
                            "prerequisite installs",
                        )
                    )
        return problems


@dataclass
class _Context:
    file: str | None
    scalars: dict[str, str]
    arrays: dict[str, list[list[str]]]
    functions: dict[str, str]

    def resolve(self, word: str, depth: int = 0) -> str | None:
        """The word with its variables replaced by the values assigned in this file (None: not known here)."""
        unknown = False

        def value(match: re.Match[str]) -> str:
            nonlocal unknown
            name = match[1] or match[3]
            default = match[2]
            assigned = self.scalars.get(name)
            if assigned is not None and depth < 10 and f"${{{name}:-" not in assigned:
                resolved = self.resolve(assigned, depth + 1)
                if resolved is not None:
                    return resolved
            if assigned is not None and f"${{{name}:-" in assigned:
                inner = re.search(r"\$\{" + name + r":-([^}]*)\}", assigned)
                resolved = self.resolve(inner[1], depth + 1) if inner else None
                if resolved is not None:
                    return resolved
            if default is not None:
                return self.resolve(default, depth + 1) or ""
            unknown = True
            return match[0]

        result = _VAR.sub(value, word)
        return None if unknown or "$" in result.replace("$(...)", "") else result


def _arrays_of(functions: dict[str, shell.Text]) -> dict[str, list[list[str]]]:
    merged: dict[str, list[list[str]]] = {}
    for body in functions.values():
        for name, values in body.arrays.items():
            merged.setdefault(name, []).extend(values)
    return merged


def _after_options(words: list[str], with_value: set[str]) -> list[str]:
    i = 0
    while i < len(words) and (words[i].startswith("-") or "=" in words[i] or words[i][:1].isdigit()):
        i += 2 if words[i] in with_value else 1
    return words[i:]


def _provided(provider: str, base: set[str], installs: set[str], reached: set[str]) -> bool:
    if provider in ("@base", "@optional"):
        return True
    if provider.startswith(("make:", "script:")):
        kind, _, name = provider.partition(":")
        return (f"make:{name}" if kind == "make" else f"sh:{name}") in reached
    return provider in base or provider in installs


def _is_shell(path: Path) -> bool:
    if path.suffix == ".sh":
        return True
    with path.open("rb") as f:
        first = f.readline()
    return first.startswith(b"#!") and (b"bash" in first or b"/sh" in first)
