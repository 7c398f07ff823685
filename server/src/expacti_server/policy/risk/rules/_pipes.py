"""Which parts of a command run code, and which parts feed them.

``ParsedCommand.parts`` carries no pipeline structure, so it is read back from
the text: a part feeds another when its output is piped into it, directly or
through other parts (``a | tee log | b``), or when it sits inside the other's
substitution (``b <(a)``, ``b "$(a)"``).
"""

from __future__ import annotations

import functools
import re

from expacti_server.policy.risk.rules._args import command_of
from expacti_server.policy.shell import ParsedCommand

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "fish", "busybox"})
_INTERPRETERS = frozenset({"perl", "ruby", "node", "nodejs", "php", "lua", "Rscript", "osascript"})
# Builtins that run the text they are given as shell code.
_CODE_BUILTINS = frozenset({"eval", "source", "."})
_PYTHON = re.compile(r"python[0-9.]*|pypy[0-9.]*")
# A pipe between two parts, with blanks and line continuations around it.
_PIPE = re.compile(r"(?:[ \t]|\\\n)*\|&?(?:[ \t\n]|\\\n)*")
# What may follow a part in the text: the end, a blank, an operator, a closing bracket.
_PART_ENDS = frozenset({"", " ", "\t", "\n", ";", "|", "&", ")", "`", "}"})


def program(part: str) -> str:
    """The base name of the program a part runs, past wrappers like ``sudo``; "" if none."""
    cmd = command_of(part)
    return cmd[0] if cmd else ""


def is_python(name: str) -> bool:
    return bool(_PYTHON.fullmatch(name))


def runs_code(part: str) -> bool:
    """Whether the part runs code it is given: a shell, an interpreter, ``eval``, ``source``."""
    name = program(part)
    return name in SHELLS or name in _INTERPRETERS or name in _CODE_BUILTINS or is_python(name)


class CodeSinks:
    """The distinct parts of a command that run code, and what feeds them."""

    def __init__(self, command: ParsedCommand) -> None:
        self._text = command.text
        self._parts = command.parts
        self.parts = frozenset(p for p in dict.fromkeys(command.parts) if runs_code(p))
        # Only a part with a substitution can have another part nested in it.
        self._nesting = [p for p in self.parts if "(" in p or "`" in p]

    def fed_by(self, source: str) -> bool:
        """Whether part ``source``'s output reaches one of them: piped, or nested in it."""
        reach = piped_to(self._text, self._parts).get(source)
        if reach is not None and not reach.isdisjoint(self.parts):
            return True
        return any(source in sink for sink in self._nesting if sink != source)


@functools.lru_cache(maxsize=64)  # two rules ask about the same command
def piped_to(text: str, parts: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """For each part, the parts its output reaches through pipes."""
    # Look at each pipe in the text once (there are at most a few hundred), for a
    # part that ends right before it and one that starts right after it. Parts
    # are bucketed by their first and last characters, longest first.
    by_first: dict[str, list[str]] = {}
    by_last: dict[str, list[str]] = {}
    for part in sorted({p for p in parts if p}, key=len, reverse=True):
        by_first.setdefault(part[0], []).append(part)
        by_last.setdefault(part[-1], []).append(part)
    direct: dict[str, set[str]] = {}
    for gap in _PIPE.finditer(text):
        start, end = gap.start(), gap.end()
        before = by_last.get(text[start - 1 : start], [])
        left = next((p for p in before if text.endswith(p, 0, start)), None)
        after = by_first.get(text[end : end + 1], [])
        right = next((p for p in after if _starts_at(text, p, end)), None)
        if left is not None and right is not None:
            direct.setdefault(left, set()).add(right)
    return {part: _reachable(part, direct) for part in direct}


def _starts_at(text: str, part: str, pos: int) -> bool:
    end = pos + len(part)
    return text.startswith(part, pos) and text[end : end + 1] in _PART_ENDS


def _reachable(start: str, direct: dict[str, set[str]]) -> frozenset[str]:
    seen: set[str] = set()
    todo = list(direct.get(start, ()))
    while todo:
        part = todo.pop()
        if part not in seen:
            seen.add(part)
            todo.extend(direct.get(part, ()))
    return frozenset(seen)
