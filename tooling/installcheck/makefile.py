"""The rules of the Makefile and mk/*.mk: targets, prerequisites, recipes, with make's variables expanded."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_VARIABLE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(:=|::=|\?=|\+=|=)\s*(.*)$")
_RULE = re.compile(r"^([^\t#:=][^:=]*?)\s*::?(?!=)\s*(.*)$")
# what a recipe's `$(MAKE)` becomes, so the checker sees the targets it runs
MAKE_WORD = "__make__"
# an unexpanded make function ($(wildcard ...), $(addprefix ...)): a plain word the shell reader leaves alone
FUNCTION_WORD = "__make_function__"


@dataclass
class Rule:
    targets: list[str]
    prerequisites: list[str]
    recipe: list[str] = field(default_factory=list)


@dataclass
class Makefile:
    variables: dict[str, str]
    rules: list[Rule]
    phony: set[str]

    def expand(self, text: str, depth: int = 0) -> str:
        """Expand $(NAME) and ${NAME}; `$$` becomes `$` (what the shell then sees)."""
        out: list[str] = []
        i = 0
        while i < len(text):
            if text.startswith("$$", i):
                out.append("$")
                i += 2
            elif text.startswith(("$(", "${"), i):
                end = _closing(text, i + 1)
                out.append(self._reference(text[i + 2 : end], depth))
                i = end + 1
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    def _reference(self, inner: str, depth: int) -> str:
        if inner == "MAKE":
            return MAKE_WORD
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", inner):
            value = self.variables.get(inner, "")
            return self.expand(value, depth + 1) if depth < 20 else value
        return FUNCTION_WORD

    def targets(self) -> dict[str, Rule]:
        """Every explicit target's rule (a target named in several rules gets the union of its prerequisites)."""
        merged: dict[str, Rule] = {}
        for rule in self.rules:
            for target in rule.targets:
                known = merged.setdefault(target, Rule([target], []))
                known.prerequisites += rule.prerequisites
                known.recipe += rule.recipe
        return merged


def _closing(text: str, open_at: int) -> int:
    pair = {"(": ")", "{": "}"}[text[open_at]]
    depth = 0
    for j in range(open_at, len(text)):
        if text[j] == text[open_at]:
            depth += 1
        elif text[j] == pair:
            depth -= 1
            if depth == 0:
                return j
    return len(text) - 1


def read_makefiles(paths: list[Path], predefined: dict[str, str]) -> Makefile:
    """The rules of `paths` read as one Makefile; `predefined`: make's own variables (CURDIR)."""
    variables = dict(predefined)
    raw_rules: list[tuple[str, str, list[str]]] = []
    for path in paths:
        lines = path.read_text().replace("\\\n", " ").splitlines()
        for line in lines:
            if line.startswith("\t"):
                if raw_rules:
                    raw_rules[-1][2].append(line[1:].lstrip("@-+ "))
                continue
            if (
                not line.strip()
                or line.lstrip().startswith("#")
                or line.startswith(("include ", "-include "))
            ):
                continue
            variable = _VARIABLE.match(line)
            if variable:
                name, op, value = variable.groups()
                if op == "?=":
                    variables.setdefault(name, value.strip())
                elif op == "+=":
                    variables[name] = f"{variables.get(name, '')} {value.strip()}".strip()
                else:
                    variables[name] = value.strip()
                continue
            rule = _RULE.match(line)
            if rule:
                raw_rules.append((rule[1], rule[2].split("##", 1)[0], []))
    makefile = Makefile(variables, [], set())
    for targets, prerequisites, recipe in raw_rules:
        names = makefile.expand(targets).split()
        words = makefile.expand(prerequisites).replace("|", " ").split()
        if names == [".PHONY"]:
            makefile.phony.update(words)
        else:
            makefile.rules.append(Rule(names, words, recipe))
    return makefile
