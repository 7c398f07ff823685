"""The words of one simple command, for rules that read commands (see ``policy.risk``).

These are heuristics for scoring, not a shell: quotes are understood, but no
expansion happens (``$HOME`` stays ``$HOME``).
"""

from __future__ import annotations

import functools
import posixpath
import re
import shlex
from collections.abc import Sequence

__all__ = ["command_words", "programs", "short_flags", "words"]


@functools.lru_cache(maxsize=256)  # every rule reads the same parts; parts can be long
def words(part: str) -> tuple[str, ...]:
    """The shell words of one part, quotes removed; ``>``, ``|``, ``(`` are words of their own."""
    lexer = shlex.shlex(part, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""  # tree-sitter already removed comments; '#' inside a word is text
    try:
        return tuple(lexer)
    except ValueError:  # unbalanced quotes: fall back to plain splitting
        return tuple(part.split())


# Programs that run the program named after them, with the options of theirs that take a
# value (so that in ``sudo -u root rm`` the command is ``rm``, not ``root``).
_WRAPPERS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"}),
    "doas": frozenset({"-u", "-C"}),
    "env": frozenset({"-u", "-C", "-S"}),
    "nice": frozenset({"-n"}),
    "xargs": frozenset({"-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s"}),
    "nohup": frozenset(),
    "time": frozenset(),
    "command": frozenset(),
    "exec": frozenset(),
    "builtin": frozenset(),
}
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=.*", re.DOTALL)


def programs(part: str) -> tuple[str, ...]:
    """The programs a part starts, by base name: ``sudo env X=1 /bin/rm -r d`` → sudo, env, rm."""
    return tuple(_name(w) for w in _program_words(words(part))[0])


def command_words(part: str) -> tuple[str, ...]:
    """The words from the real command on, past env assignments and wrappers like ``sudo``."""
    found, rest = _program_words(words(part))
    return (_name(found[-1]), *rest) if found else ()


def _program_words(ws: tuple[str, ...]) -> tuple[list[str], tuple[str, ...]]:
    """The wrapper chain and the command (as written), and the command's arguments."""
    found: list[str] = []
    takes_value: frozenset[str] = frozenset()
    i = 0
    while i < len(ws):
        word = ws[i]
        if _ASSIGNMENT.fullmatch(word):
            i += 1
        elif found and word.startswith("-"):  # an option of the wrapper before it
            i += 2 if word in takes_value else 1
        else:
            found.append(word)
            i += 1
            if _name(word) not in _WRAPPERS:
                break
            takes_value = _WRAPPERS[_name(word)]
    return found, ws[i:]


def _name(word: str) -> str:
    return posixpath.basename(word)


def short_flags(args: Sequence[str]) -> str:
    """All letters of short options (``-rf -v`` → "rfv"), up to ``--``."""
    letters = []
    for arg in args:
        if arg == "--":
            break
        if arg.startswith("-") and not arg.startswith("--"):
            letters.append(arg[1:])
    return "".join(letters)
