"""Whitelist patterns: exact text, shell-style globs and RE2 regular expressions.

Every pattern compiles to a matcher that runs in time linear in the text
(RE2 has no backtracking), so no pattern a user saves can stall the hot path.
Anything that cannot be compiled that way is rejected with ``InvalidPattern``
and a reason a person can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import re2

from expacti_server.errors import InvalidPattern
from expacti_server.policy.shell import strip_blanks

__all__ = ["MAX_PATTERN_LENGTH", "CompiledPattern", "RuleType", "compile_pattern", "glob_to_re2"]

MAX_PATTERN_LENGTH = 4096
# RE2's own default; a pattern whose automaton needs more memory is refused.
_MAX_PATTERN_MEMORY = 8 << 20
# Errors echo the pattern back; the first characters identify it, 4 KiB would not help.
_ECHO = 200


class RuleType(StrEnum):
    """How a whitelist rule's pattern is compared with a command."""

    EXACT = "exact"
    GLOB = "glob"
    REGEX = "regex"


class _Matcher(Protocol):
    def fullmatch(self, text: str) -> object: ...


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    """A validated pattern, ready to match; build it with ``compile_pattern``."""

    type: RuleType
    source: str
    _regex: _Matcher | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if (self._regex is None) != (self.type is RuleType.EXACT):
            raise ValueError("build a CompiledPattern with compile_pattern()")

    def matches(self, text: str) -> bool:
        """Exact: equal once blanks around both are stripped. Glob, regex: the whole text."""
        if self._regex is None:
            return strip_blanks(text) == strip_blanks(self.source)
        try:
            return self._regex.fullmatch(text) is not None
        except UnicodeEncodeError:
            # Text that is not valid Unicode (lone surrogates) can never be approved.
            return False


def compile_pattern(pattern: str, rule_type: RuleType | str) -> CompiledPattern:
    """Validate and compile ``pattern``; raise ``InvalidPattern`` saying why it is unusable."""
    kind = _rule_type(pattern, rule_type)
    _check_text(pattern, kind)
    if kind is RuleType.EXACT:
        return CompiledPattern(kind, pattern)
    regex = glob_to_re2(pattern) if kind is RuleType.GLOB else pattern
    return CompiledPattern(kind, pattern, _compile_re2(regex, source=pattern, kind=kind))


def _rule_type(pattern: str, rule_type: RuleType | str) -> RuleType:
    try:
        return RuleType(rule_type)
    except ValueError:
        valid = ", ".join(t.value for t in RuleType)
        raise InvalidPattern(
            f"unknown rule type {rule_type!r}: use one of {valid}",
            pattern=pattern[:_ECHO],
            type=str(rule_type)[:_ECHO],
        ) from None


def _check_text(pattern: str, kind: RuleType) -> None:
    def reject(reason: str) -> InvalidPattern:
        return InvalidPattern(reason, pattern=pattern[:_ECHO], type=kind.value)

    # An exact pattern is compared stripped, so whitespace alone would be empty.
    if not (strip_blanks(pattern) if kind is RuleType.EXACT else pattern):
        raise reject("the pattern is empty")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise reject(f"the pattern is longer than {MAX_PATTERN_LENGTH} characters")
    if "\x00" in pattern:
        raise reject("the pattern contains a NUL character")
    try:
        pattern.encode("utf-8")
    except UnicodeEncodeError:
        raise reject("the pattern is not valid Unicode text") from None


def _compile_re2(regex: str, *, source: str, kind: RuleType) -> _Matcher:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = _MAX_PATTERN_MEMORY
    # Groups only shape the pattern; not recording them lets RE2 use its fastest engines.
    options.never_capture = True
    try:
        matcher: _Matcher = re2.compile(regex, options)
    except re2.error as exc:
        raise InvalidPattern(
            _explain(exc), pattern=source[:_ECHO], type=kind.value, re2_error=_re2_message(exc)
        ) from None
    return matcher


# ---------------------------------------------------------------- RE2 error text

_LINEAR = "patterns must compile to a linear-time matcher (RE2)"


def _re2_message(exc: Exception) -> str:
    """RE2's own message (pybind11 hands it over as bytes), e.g. 'missing ): (a'."""
    raw = exc.args[0] if exc.args else exc
    return raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)


def _explain(exc: Exception) -> str:
    """Turn RE2's terse error into a sentence that says what to change."""
    message = _re2_message(exc)
    reason, _, fragment = message.partition(": ")
    if reason == "invalid escape sequence" and re.fullmatch(r"\\[1-9]", fragment):
        return f"backreferences like {fragment} are not supported: {_LINEAR}"
    if reason == "invalid escape sequence" and fragment == "\\Z":
        return "\\Z is not supported by RE2: write \\z for the end of the text"
    if reason == "invalid perl operator":
        return _explain_operator(fragment)
    return _REASONS.get(
        reason, "the pattern is not a valid RE2 regular expression ({message})"
    ).format(fragment=fragment, message=message)


def _explain_operator(fragment: str) -> str:
    if fragment in ("(?=", "(?!", "(?<=", "(?<!"):
        return (
            f"lookaround assertions like {fragment}...) (lookahead and lookbehind) "
            f"are not supported: {_LINEAR}"
        )
    if fragment.startswith("(?P"):
        return f"named backreferences like (?P=name) are not supported: {_LINEAR}"
    return (
        f"the group syntax {fragment} is not supported by RE2"
        " (it knows (?:...), (?P<name>...) and the flags i, m, s, U as in (?i))"
    )


_REASONS = {
    "invalid escape sequence": "the escape sequence {fragment} is not supported by RE2",
    "invalid character class": "the character class {fragment} is not valid",
    "invalid character class range": "the character class range {fragment} is not valid",
    "missing ]": "a character class is not closed: missing ] in {fragment}",
    "missing )": "a group is not closed: missing ) in {fragment}",
    "unexpected )": "there is a ) without a matching (",
    "trailing \\": "the pattern ends with a lone backslash",
    "no argument for repetition operator": "the repetition {fragment} has nothing to repeat",
    "missing argument to repetition operator": "the repetition {fragment} has nothing to repeat",
    "bad repetition operator": "the repetition operator {fragment} is not valid",
    "invalid repetition size": "the repetition {fragment} is too large: RE2 allows at most"
    " 1000 repetitions, counting nested ones multiplied together",
    "invalid named capture group": "the group name in {fragment} is not valid",
    "pattern too large - compile failed": "the pattern is too large: its matcher would need"
    f" more than {_MAX_PATTERN_MEMORY >> 20} MiB",
    "expression nested too deeply": "the pattern nests groups or repetitions too deeply",
    "invalid UTF-8": "the pattern is not valid UTF-8",
}


# ---------------------------------------------------------------- globs


def glob_to_re2(pattern: str) -> str:
    """Translate a shell-style glob to an RE2 pattern for a full match.

    ``*`` matches any run of characters, including ``/`` and spaces (a command
    is not a path), but never a newline, which separates commands. ``?``
    matches one character other than a newline. ``[abc]``, ``[a-z]`` and the
    negations ``[!abc]`` / ``[^abc]`` match one character from (or not from,
    and not a newline) the class, ``[:alpha:]``-style POSIX classes included.
    A backslash makes the next character literal. Everything else is literal.
    An unclosed ``[`` or a trailing backslash is rejected.
    """
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            out.append(r"[^\n]*")
        elif char == "?":
            out.append(r"[^\n]")
        elif char == "[":
            cls, i = _glob_class(pattern, i)
            out.append(cls)
            continue
        elif char == "\\":
            if i + 1 == len(pattern):
                raise _glob_error(pattern, "the glob ends with a lone backslash")
            i += 1
            out.append(_literal(pattern[i]))
        else:
            out.append(_literal(char))
        i += 1
    return "".join(out)


_POSIX_CLASSES = frozenset(
    {"alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct"}
    | {"space", "upper", "word", "xdigit"}
)


def _glob_class(pattern: str, start: int) -> tuple[str, int]:
    """Translate the class opening at ``start``; return it and the index after its ``]``."""
    i = start + 1
    negated = i < len(pattern) and pattern[i] in "!^"
    if negated:
        i += 1
    items: list[str] = []
    first = True
    while i < len(pattern) and (pattern[i] != "]" or first):
        first = False
        item, i = _glob_class_item(pattern, i)
        items.append(item)
    if i >= len(pattern):
        raise _glob_error(
            pattern, f"the [ at position {start + 1} is never closed: add ] or write \\["
        )
    body = "".join(items)
    return (f"[^\\n{body}]" if negated else f"[{body}]"), i + 1


def _glob_class_item(pattern: str, i: int) -> tuple[str, int]:
    """One member of a class: a POSIX class, a range or a single character."""
    if pattern.startswith("[:", i):
        end = pattern.find(":]", i + 2)
        name = pattern[i + 2 : end] if end != -1 else ""
        if name not in _POSIX_CLASSES:
            raise _glob_error(pattern, f"unknown character class at position {i + 1}")
        return f"[:{name}:]", end + 2
    low, i = _class_char(pattern, i)
    is_range = pattern.startswith("-", i) and i + 1 < len(pattern) and pattern[i + 1] != "]"
    if not is_range:
        return _class_literal(low), i
    high, i = _class_char(pattern, i + 1)
    if high < low:
        raise _glob_error(pattern, f"the range {low}-{high} is backwards")
    return f"{_class_literal(low)}-{_class_literal(high)}", i


def _class_char(pattern: str, i: int) -> tuple[str, int]:
    if pattern[i] == "\\":
        if i + 1 == len(pattern):
            raise _glob_error(pattern, "the glob ends with a lone backslash")
        return pattern[i + 1], i + 2
    return pattern[i], i + 1


_RE2_SPECIAL = frozenset("\\.+*?()|[]{}^$")


def _literal(char: str) -> str:
    if char == "\n":
        return r"\n"
    return "\\" + char if char in _RE2_SPECIAL else char


def _class_literal(char: str) -> str:
    return r"\n" if char == "\n" else ("\\" + char if char in "\\]^-[" else char)


def _glob_error(pattern: str, reason: str) -> InvalidPattern:
    return InvalidPattern(reason, pattern=pattern[:_ECHO], type=RuleType.GLOB.value)
