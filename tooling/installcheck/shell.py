"""A small reader of the bash this project writes: it finds the simple commands a text runs, not a full parser.

It knows quoting, comments, command substitution (also inside double quotes), process substitution, redirections,
here-documents (their bodies are data), `case` patterns, array literals and function definitions; what it cannot
resolve (a command named by a variable it does not know) the caller skips.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# keywords that may precede a command in the same simple command
_PREFIX_KEYWORDS = {"if", "then", "else", "elif", "do", "while", "until", "!", "time", "{", "}"}
_END_KEYWORDS = {"fi", "done", "esac"}
_DECLARATIONS = {"local", "export", "declare", "readonly", "typeset"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
_FUNCTION = re.compile(
    r"^(?P<indent>[ \t]*)(?:function[ \t]+)?(?P<name>[A-Za-z_][\w-]*)[ \t]*\(\)[ \t]*\{(?P<rest>.*)$"
)


@dataclass
class Text:
    """What one piece of shell runs: its simple commands (words still unexpanded) and the values it assigns."""

    commands: list[list[str]] = field(default_factory=list)
    scalars: dict[str, str] = field(default_factory=dict)
    arrays: dict[str, list[list[str]]] = field(default_factory=dict)


@dataclass
class Script:
    """A shell file: its top-level code and each function body, read separately (a function's commands run only
    where it is called)."""

    top: Text
    functions: dict[str, Text]


def parse_script(source: str) -> Script:
    top_lines: list[str] = []
    bodies: dict[str, str] = {}
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        match = _FUNCTION.match(lines[i])
        if not match:
            top_lines.append(lines[i])
            i += 1
            continue
        rest = match["rest"]
        if re.search(r"(^|[;&\s])\}\s*$", rest):  # one line: name() { ...; }
            bodies[match["name"]] = rest[: rest.rstrip().rfind("}")]
            i += 1
            continue
        end = i + 1
        while end < len(lines) and not re.fullmatch(re.escape(match["indent"]) + r"\}\s*", lines[end]):
            end += 1
        bodies[match["name"]] = "\n".join([rest, *lines[i + 1 : end]])
        i = end + 1
    return Script(
        top=parse("\n".join(top_lines)), functions={name: parse(body) for name, body in bodies.items()}
    )


def parse(source: str) -> Text:
    text = Text()
    _Scanner(source.replace("\\\n", " "), text).run()
    return text


class _Scanner:
    def __init__(self, source: str, out: Text) -> None:
        self.s = source
        self.i = 0
        self.out = out
        self.heredocs: list[str] = []

    def run(self, closer: str | None = None) -> None:
        """Scan commands until `closer` (')' of a substitution) or the end."""
        words: list[str] = []
        word: list[str] | None = None
        pattern_mode = False
        s = self.s

        def end_word() -> None:
            nonlocal word
            if word is not None:
                words.append("".join(word))
                word = None

        def end_command() -> None:
            nonlocal words
            end_word()
            self._emit(words)
            words = []

        while self.i < len(s):
            c = s[self.i]
            if pattern_mode:
                self._skip_case_pattern()
                pattern_mode = False
                continue
            if closer and c == closer:
                end_command()
                self.i += 1
                return
            if c == "\n":
                end_command()
                self.i += 1
                self._skip_heredoc_bodies()
                continue
            if c in " \t":
                end_word()
                self.i += 1
                continue
            if c == "#" and word is None:
                while self.i < len(s) and s[self.i] != "\n":
                    self.i += 1
                continue
            if s.startswith(";;", self.i):
                end_command()
                self.i += 2
                pattern_mode = True
                continue
            if c in ";&|" or (c == ")" and closer is None):
                if c == "&" and s.startswith("&>", self.i):
                    end_word()
                    self.i += 1
                    self._redirection(words)
                    continue
                end_command()
                self.i += 2 if s[self.i : self.i + 2] in ("&&", "||") else 1
                continue
            if c == "(" and word is None:
                end_command()
                if s.startswith("((", self.i):
                    self.i = s.find("))", self.i) + 2 if "))" in s[self.i :] else len(s)
                else:
                    self.i += 1
                    self.run(")")
                continue
            if c == "(" and word is not None and "".join(word).endswith("="):
                self.i += 1
                self._array("".join(word)[:-1].rstrip("+").split("[")[0])
                word = None
                continue
            if c in "<>":
                if word is not None and "".join(word).isdigit():
                    word = None
                end_word()
                self._redirection(words)
                continue
            if word is None:
                word = []
            self._word_char(word)
            if words == [] and "".join(word) == "case" and self._at_word_end():
                # `case WORD in`: skip to `in`, then the first pattern
                end_word()
                match = re.compile(r"\s+in\b").search(s, self.i)
                self.i = match.end() if match else len(s)
                words = []
                pattern_mode = True
        end_command()

    def _at_word_end(self) -> bool:
        return self.i >= len(self.s) or self.s[self.i] in " \t\n;"

    def _skip_case_pattern(self) -> None:
        """Skip one `pattern)` of a case statement, or the `esac` that ends it."""
        s = self.s
        while self.i < len(s) and s[self.i] in " \t\n":
            self.i += 1
        if re.match(r"esac\b", s[self.i :]):
            self.i += 4
            return
        end = s.find(")", self.i)
        self.i = len(s) if end < 0 else end + 1

    def _word_char(self, word: list[str]) -> None:
        s, c = self.s, self.s[self.i]
        if c == "\\":
            word.append(s[self.i + 1 : self.i + 2])
            self.i += 2
        elif c == "'":
            end = s.find("'", self.i + 1)
            end = len(s) if end < 0 else end
            word.append(s[self.i + 1 : end])
            self.i = end + 1
        elif c == '"':
            self.i += 1
            while self.i < len(s) and s[self.i] != '"':
                if s[self.i] == "\\":
                    word.append(s[self.i + 1 : self.i + 2])
                    self.i += 2
                elif s[self.i] == "$" or s[self.i] == "`":
                    self._dollar(word)
                else:
                    word.append(s[self.i])
                    self.i += 1
            self.i += 1
        elif c in "$`":
            self._dollar(word)
        else:
            word.append(c)
            self.i += 1

    def _dollar(self, word: list[str]) -> None:
        """$(cmd), `cmd`, $((arith)), ${var}, $var: substitutions are scanned; the word keeps a marker."""
        s = self.s
        if s.startswith("$((", self.i):
            end = s.find("))", self.i)
            end = len(s) if end < 0 else end + 2
            word.append(s[self.i : end])
            self.i = end
        elif s.startswith("$(", self.i) or s[self.i] == "`":
            closer = ")" if s[self.i] == "$" else "`"
            self.i += 2 if closer == ")" else 1
            self.run(closer)
            word.append("$(...)")
        elif s.startswith("${", self.i):
            depth, j = 0, self.i
            while j < len(s):
                depth += {"{": 1, "}": -1}.get(s[j], 0)
                j += 1
                if depth == 0:
                    break
            word.append(s[self.i : j])
            self.i = j
        else:
            match = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*|[0-9#@*?$!-])").match(s, self.i)
            end = match.end() if match else self.i + 1
            word.append(s[self.i : end])
            self.i = end

    def _redirection(self, words: list[str]) -> None:
        s = self.s
        op = re.compile(r"<<<|<<-?|<>|>>|>&|<&|>\||&>>?|[<>]").match(s, self.i)
        assert op
        self.i = op.end()
        if op.group() in ("<", ">") and self.i < len(s) and s[self.i] == "(":  # process substitution
            self.i += 1
            self.run(")")
            return
        while self.i < len(s) and s[self.i] in " \t":
            self.i += 1
        target: list[str] = []
        while self.i < len(s) and s[self.i] not in " \t\n;&|()<>":
            self._word_char(target)
        if op.group().startswith("<<") and op.group() != "<<<":
            self.heredocs.append("".join(target))

    def _skip_heredoc_bodies(self) -> None:
        s = self.s
        while self.heredocs:
            delimiter = self.heredocs.pop(0)
            while self.i < len(s):
                end = s.find("\n", self.i)
                end = len(s) if end < 0 else end
                line = s[self.i : end]
                self.i = end + 1
                if line.strip() == delimiter:
                    break

    def _array(self, name: str) -> None:
        """NAME=( elements ): the elements are data, kept for `"${NAME[@]}"` at a command's position."""
        elements: list[str] = []
        s = self.s
        while self.i < len(s) and s[self.i] != ")":
            if s[self.i] in " \t\n":
                self.i += 1
                continue
            element: list[str] = []
            while self.i < len(s) and s[self.i] not in " \t\n)":
                self._word_char(element)
            elements.append("".join(element))
        self.i += 1
        self.out.arrays.setdefault(name, []).append(elements)

    def _emit(self, words: list[str]) -> None:
        while words and (words[0] in _PREFIX_KEYWORDS or words[0] in _END_KEYWORDS):
            words = words[1:]
        while words and _ASSIGNMENT.match(words[0]):
            name, _, value = words[0].partition("=")
            self.out.scalars.setdefault(name.rstrip("+").split("[")[0], value)
            words = words[1:]
        if words and words[0] in _DECLARATIONS:
            for word in words[1:]:
                if _ASSIGNMENT.match(word):
                    name, _, value = word.partition("=")
                    self.out.scalars.setdefault(name.rstrip("+").split("[")[0], value)
            return
        if words and words[0] in ("for", "select"):
            return
        if words:
            self.out.commands.append(words)
