"""The narrowest whitelist pattern that covers a family of approved commands.

Given the commands reviewers approved (in one scope), ``families`` groups
those of the same *shape* and writes, for each group with enough distinct
commands, one RE2 pattern that covers them:

* A shape is the words that never vary: the program and everything before
  it (env assignments, wrappers such as ``sudo`` with their options), every
  option (``-n``, ``--force``), every word made of letters only
  (subcommands and resources: ``get``, ``pods``, ``pull``), and everything
  after ``--``. Commands of one shape have the same number of words, and
  these words are equal. So ``git pull`` and ``git push`` are never merged.
* The other words (operands, option values) stay literal where all commands
  agree. Where they differ, the longest common prefix and suffix stay
  literal (widened to whole runs of digits or letters, so ``build-9`` and
  ``build-10`` fit one pattern) and only the middle varies: ``[0-9]+`` when
  every middle is digits, ``[0-9]+(?:\\.[0-9]+)+`` for versions, otherwise
  name characters (letters, digits, ``_ . -``), with ``/`` only if a middle
  had one. Where the middle starts a word or a path segment, its first
  character is a letter, digit or ``_``: never an option (``-rf``), ``.``,
  ``..`` or a hidden file. A whole operand may vary only when it is digits
  or the value of an option (``-n web`` / ``-n api``); elsewhere some letter
  or digit of the word must stay literal, so ``cat /etc/a``, ``cat /srv/b``
  and ``cat /var/c`` never become "cat any file".
* A word that holds a secret (see ``secret_mask``) always varies, so no
  secret is ever written into a pattern.

Only simple commands with nothing for the shell to act on are generalised:
no ``; | & $ ` < > ( ) \\ #``, tabs or line breaks, parseable, one part. The
patterns' variable parts cannot match any of those characters either, so a
pattern never matches a redirection, a substitution or a second command.
Programs that run their operands (shells, interpreters, ``ssh``, ``find``,
``xargs``…) are never generalised.

Globs are not used: a glob ``*`` (``patterns.glob_to_re2``) matches any
character but a newline, shell syntax included, and a glob cannot say "one
or more digits". Every pattern is an RE2 regex, checked to compile and to
match every command it was built from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from expacti_server.errors import InvalidPattern
from expacti_server.policy.patterns import RuleType, compile_pattern
from expacti_server.policy.secret_mask import secret_spans
from expacti_server.policy.shell import parse_command, strip_blanks
from expacti_server.policy.words import command_words, programs, words

__all__ = ["MIN_DISTINCT", "Family", "families"]

MIN_DISTINCT = 3

# A command holding any of these is not generalised: operators, expansions,
# redirections, escapes, comments, and what the grammar and bash read differently.
_UNSAFE = frozenset(";|&$`<>()\\#\n\r\t\v\f\x00")

# Programs whose operands name a program, a script or code to run.
_RUNS_OPERANDS = frozenset(
    {"sh", "bash", "zsh", "dash", "ksh", "csh", "tcsh", "fish", "busybox"}
    | {"python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php", "lua"}
    | {"deno", "bun", "pwsh", "powershell", "Rscript", "tclsh", "osascript", "expect"}
    | {"awk", "gawk", "mawk", "nawk", "sed", "find", "xargs", "parallel", "eval", "exec"}
    | {"source", ".", "ssh", "su", "runuser", "chroot", "nsenter", "unshare", "setsid"}
    | {"timeout", "watch", "flock", "stdbuf", "strace", "ltrace", "gdb", "script", "at"}
)

_LETTERS = re.compile(r"[A-Za-z]+")
_DIGITS = "[0-9]+"
_VERSION = r"[0-9]+(?:\.[0-9]+)+"  # 1.2.3
# One path segment: never ".", "..", a hidden file or an option (no leading "." or "-").
_SEGMENT = "[A-Za-z0-9_][A-Za-z0-9_.-]*"
# (class continuing a word, class starting a word or a path segment), narrowest first.
_CLASSES = (
    ("[A-Za-z0-9_.-]+", _SEGMENT),
    (f"[A-Za-z0-9_.-]+(?:/{_SEGMENT})*", f"{_SEGMENT}(?:/{_SEGMENT})*"),
)
_NAMES = frozenset(_CLASSES[0])
_RE2_SPECIAL = frozenset("\\.+*?()|[]{}^$")
_QUOTES = "'\""


@dataclass(frozen=True, slots=True)
class Family:
    """Approved commands of one shape, and the regex that covers commands like them."""

    pattern: str  # an RE2 regex (RuleType.REGEX)
    commands: tuple[str, ...]  # the commands it was built from, stripped, sorted


class _Role(Enum):
    FIXED = "fixed"  # part of the shape: equal in every command of a family
    VALUE = "value"  # may differ
    # Always varies; head and tail (around the secret) are fixed.
    SECRET = "secret"  # noqa: S105 - a role name, not a secret


@dataclass(frozen=True, slots=True)
class _Word:
    raw: str  # as written, quotes included
    role: _Role
    option_value: bool = False  # follows an option, so it may vary as a whole
    head: str = ""
    tail: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        if self.role is _Role.FIXED:
            return (self.role.value, self.raw, "")
        return (self.role.value, self.head, self.tail)

    @property
    def secret(self) -> str:
        return self.raw[len(self.head) : len(self.raw) - len(self.tail)]


def families(commands: Iterable[str], *, min_distinct: int = MIN_DISTINCT) -> list[Family]:
    """The families of at least ``min_distinct`` distinct commands, by pattern."""
    groups: dict[tuple[tuple[str, str, str], ...], dict[str, list[_Word]]] = {}
    for command in commands:
        text = strip_blanks(command)
        shape = _shape(text)
        if shape is not None:
            groups.setdefault(tuple(w.key for w in shape), {})[text] = shape
    found: dict[str, set[str]] = {}
    for members in groups.values():
        if len(members) < min_distinct:
            continue
        pattern = _pattern(list(members.values()))
        if pattern is not None and _covers(pattern, members):
            found.setdefault(pattern, set()).update(members)
    return [Family(pattern, tuple(sorted(found[pattern]))) for pattern in sorted(found)]


def _covers(pattern: str, members: Iterable[str]) -> bool:
    try:
        compiled = compile_pattern(pattern, RuleType.REGEX)
    except InvalidPattern:
        return False  # longer than a pattern may be
    return all(compiled.matches(text) for text in members)


# ---------------------------------------------------------------- shapes


def _shape(text: str) -> list[_Word] | None:
    """The words of ``text`` with their roles, or None if it is not generalised."""
    if not text or any(char in _UNSAFE for char in text):
        return None
    parsed = parse_command(text)
    if not parsed.parseable or parsed.parts != (text,) or parsed.control_flow:
        return None
    tokens = _split(text)
    plain = words(text)
    chain = programs(text)
    if tokens is None or len(tokens) != len(plain) or not chain:
        return None
    if " ".join(raw for _, raw in tokens) != text:
        return None  # the pattern separates words by one space
    if any(name in _RUNS_OPERANDS for name in chain):
        return None
    program = len(plain) - len(command_words(text))  # index of the program's word
    spans = secret_spans(text)
    shape: list[_Word] = []
    fixed_from: int | None = None  # after "--", every word is an operand of something else
    for index, ((start, raw), word) in enumerate(zip(tokens, plain, strict=True)):
        secret = [(s - start, e - start) for s, e in spans if s < start + len(raw) and e > start]
        if secret:
            if len(secret) > 1 or secret[0][0] < 0 or secret[0][1] > len(raw) or index == program:
                return None
            low, high = secret[0]
            shape.append(_Word(raw, _Role.SECRET, head=raw[:low], tail=raw[high:]))
            continue
        after_option = index > program + 1 and _is_option(plain[index - 1])
        if word == "--" and index > program and fixed_from is None:
            fixed_from = index
        fixed = (
            index <= program
            or fixed_from is not None
            or word.startswith("-")
            or (_LETTERS.fullmatch(word) is not None and not after_option)
        )
        role = _Role.FIXED if fixed else _Role.VALUE
        shape.append(_Word(raw, role, option_value=after_option))
    return shape


def _is_option(word: str) -> bool:
    return word.startswith("-") and word != "--" and "=" not in word


def _split(text: str) -> list[tuple[int, str]] | None:
    """Words as written, with their offsets: split at spaces outside quotes."""
    tokens: list[tuple[int, str]] = []
    start: int | None = None
    quote = ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char == " ":
            if start is not None:
                tokens.append((start, text[start:index]))
                start = None
            continue
        elif char in _QUOTES:
            quote = char
        if start is None:
            start = index
    if quote:
        return None
    if start is not None:
        tokens.append((start, text[start:]))
    return tokens


# ---------------------------------------------------------------- patterns


def _pattern(members: Sequence[list[_Word]]) -> str | None:
    """One regex for commands of one shape, or None if some word cannot vary safely."""
    pieces: list[str] = []
    for column in zip(*members, strict=True):
        first = column[0]
        if first.role is _Role.SECRET:
            middle = _class_for([w.secret for w in column], at_start=_starts_word(first.head))
            if middle is None:
                return None
            pieces.append(_escape(first.head) + middle + _escape(first.tail))
        elif first.role is _Role.FIXED or len({w.raw for w in column}) == 1:
            pieces.append(_escape(first.raw))
        else:
            varied = _vary([w.raw for w in column], whole=first.option_value)
            if varied is None:
                return None
            pieces.append(varied)
    return " ".join(pieces)


def _vary(raws: list[str], *, whole: bool) -> str | None:
    """Common prefix and suffix kept, the middle as narrow a class as covers every word."""
    prefix = _common_prefix(raws)
    rests = [raw[len(prefix) :] for raw in raws]
    suffix = _common_prefix([rest[::-1] for rest in rests])[::-1]
    runs: tuple[tuple[Callable[[str], bool], bool], ...] = ((_is_digit, True), (_is_alnum, False))
    for run_char, digits_only in runs:
        head, tail = _widen(prefix, suffix, run_char)
        middles = [raw[len(head) : len(raw) - len(tail)] for raw in raws]
        if digits_only and not all(m and all(map(_is_digit, m)) for m in middles):
            continue
        middle = _DIGITS if digits_only else _class_for(middles, at_start=_starts_word(head))
        literal = any(_is_alnum(char) for char in head + tail)
        if middle is None or not (literal or digits_only or (whole and middle in _NAMES)):
            return None
        return _escape(head) + middle + _escape(tail)
    return None


def _common_prefix(texts: list[str]) -> str:
    first, last = min(texts), max(texts)  # the others sort between them
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    return first[:length]


def _widen(prefix: str, suffix: str, run_char: Callable[[str], bool]) -> tuple[str, str]:
    """Shorten prefix and suffix so the varying middle takes whole runs of ``run_char``."""
    while prefix and run_char(prefix[-1]):
        prefix = prefix[:-1]
    while suffix and run_char(suffix[0]):
        suffix = suffix[1:]
    return prefix, suffix


def _class_for(middles: list[str], *, at_start: bool) -> str | None:
    """The narrowest class matching every middle (never empty), or None."""
    if all(m and all(map(_is_digit, m)) for m in middles):
        return _DIGITS
    if all(re.fullmatch(_VERSION, m) for m in middles):
        return _VERSION
    for within, starting in _CLASSES:
        candidate = starting if at_start else within
        if all(re.fullmatch(candidate, m) for m in middles):
            return candidate
    return None


def _is_digit(char: str) -> bool:
    return "0" <= char <= "9"


def _is_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _starts_word(head: str) -> bool:
    """Whether what follows ``head`` starts a word or a path segment (where "-x" is an
    option and ".." the parent directory)."""
    unquoted = head.strip(_QUOTES)
    return not unquoted or unquoted.endswith("/")


def _escape(text: str) -> str:
    return "".join("\\" + char if char in _RE2_SPECIAL else char for char in text)
