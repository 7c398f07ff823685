"""Whitelist patterns: what each type matches, and which patterns are refused and why."""

from __future__ import annotations

import pytest

from expacti_server.errors import InvalidPattern, InvalidRequest
from expacti_server.policy.patterns import (
    MAX_PATTERN_LENGTH,
    CompiledPattern,
    RuleType,
    compile_pattern,
    glob_to_re2,
)

# ---------------------------------------------------------------- exact


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("ls -la", "ls -la", True),
        ("ls -la", "  ls -la\n", True),
        ("  ls -la ", "ls -la", True),
        ("ls -la", "ls  -la", False),
        ("ls -la", "ls -la /", False),
        ("ls", "ls -la", False),
        ("ls", "LS", False),
        ("ls *", "ls foo", False),  # no wildcards in exact rules
        ("echo ✓", "echo ✓", True),
        ("ls", "\tls\n", True),
        # Only Bash's blanks are stripped: to Bash, "ls\u00a0" is another command.
        ("ls", "ls\u00a0", False),
        ("ls", "\u2028ls", False),
    ],
)
def test_exact(pattern: str, text: str, expected: bool) -> None:
    assert compile_pattern(pattern, RuleType.EXACT).matches(text) is expected


# ---------------------------------------------------------------- glob


GLOB = [
    ("ls *", "ls -la", True),
    ("ls *", "ls", False),  # the space is literal
    ("ls*", "ls", True),
    ("ls*", "lsof", True),
    ("git status", "git status", True),
    ("git status", "git status --short", False),  # full match, not prefix
    ("git status", "xgit status", False),
    # '*' crosses '/' and spaces: a command is not a path.
    ("cat /var/log/*", "cat /var/log/nginx/access.log", True),
    ("echo *", "echo a b c", True),
    # ...but never a newline, which separates commands.
    ("echo *", "echo a\nrm -rf /", False),
    ("?", "\n", False),
    ("ls ?", "ls a", True),
    ("ls ?", "ls ab", False),
    ("ls ?", "ls é", True),  # one character, not one byte
    ("ls [abc]", "ls b", True),
    ("ls [abc]", "ls d", False),
    ("ls [a-c]x", "ls bx", True),
    ("ls [a-c]x", "ls dx", False),
    ("ls [!abc]", "ls d", True),
    ("ls [!abc]", "ls a", False),
    ("ls [^abc]", "ls d", True),
    ("ls [!a]", "ls \n", False),
    ("ls []a]", "ls ]", True),  # a leading ] is a member
    ("ls []a]", "ls a", True),
    ("ls [!]]", "ls ]", False),
    ("ls [a-]", "ls -", True),
    ("ls [a-]", "ls b", False),
    ("ls [[:digit:]]", "ls 7", True),
    ("ls [[:digit:]]", "ls x", False),
    ("ls [\\]]", "ls ]", True),
    ("ls [\\!a]", "ls !", True),  # an escaped ! does not negate
    # Backslash makes the next character literal.
    ("ls \\*", "ls *", True),
    ("ls \\*", "ls x", False),
    ("ls \\?", "ls ?", True),
    ("ls \\?", "ls x", False),
    ("ls \\[a]", "ls [a]", True),
    ("ls \\\\", "ls \\", True),
    # RE2 metacharacters are literal in globs.
    ("a.b", "a.b", True),
    ("a.b", "axb", False),
    ("a+(b)|{c}^$", "a+(b)|{c}^$", True),
    ("echo $HOME", "echo $HOME", True),
    ("ls (x)", "ls x", False),
    ("echo 日本*", "echo 日本語", True),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), GLOB)
def test_glob(pattern: str, text: str, expected: bool) -> None:
    assert compile_pattern(pattern, RuleType.GLOB).matches(text) is expected


def test_glob_translation_is_plain_re2() -> None:
    # fnmatch would emit Python-only syntax such as \Z and (?s:...).
    assert glob_to_re2("ls *.txt") == r"ls [^\n]*\.txt"
    assert glob_to_re2("[!a-c]?") == r"[^\na-c][^\n]"


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("ls [abc", "never closed"),
        ("ls [", "never closed"),
        ("ls []", "never closed"),
        ("ls [!]", "never closed"),
        ("ls \\", "lone backslash"),
        ("ls [a\\", "lone backslash"),
        ("ls [z-a]", "backwards"),
        ("ls [[:nope:]]", "unknown character class"),
    ],
)
def test_glob_rejected(pattern: str, reason: str) -> None:
    with pytest.raises(InvalidPattern, match=reason) as caught:
        compile_pattern(pattern, RuleType.GLOB)
    assert caught.value.details == {"pattern": pattern, "type": "glob"}


# ---------------------------------------------------------------- regex


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        (r"ls( -l)?", "ls", True),
        (r"ls( -l)?", "ls -l", True),
        (r"ls( -l)?", "ls -la", False),  # full match, not search
        (r"ls", "xls", False),
        (r"git (status|diff)", "git diff", True),
        (r"git (status|diff)", "git diff; rm -rf /", False),
        (r"echo .*", "echo a\nrm -rf /", False),  # '.' does not cross newlines by default
        (r"(?i)LS", "ls", True),
        (r"\d+", "123", True),
        (r"ls \pL+", "ls héllo", True),
    ],
)
def test_regex(pattern: str, text: str, expected: bool) -> None:
    assert compile_pattern(pattern, RuleType.REGEX).matches(text) is expected


def test_regex_bomb_runs_in_linear_time() -> None:
    # Catastrophic for a backtracking engine; RE2 answers at once.
    pattern = compile_pattern(r"(a+)+$", RuleType.REGEX)
    assert not pattern.matches("a" * 20000 + "!")
    assert pattern.matches("a" * 20000)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(a)\1", "backreference"),
        (r"(a)(b)\2", "backreference"),
        (r"(?P<x>a)(?P=x)", "backreference"),
        (r"ls(?=x)", "lookaround"),
        (r"ls(?!x)", "lookaround"),
        (r"(?<=x)ls", "lookaround"),
        (r"(?<!x)ls", "lookaround"),
        (r"((a{100}){100}){100}", "too large"),
        (r"(x{1000}){1000}", "too large"),
        (r"a{1001}", "too large"),
        (r"\pL{1000}", "MiB"),  # the automaton would exceed the memory bound
        (r"(ls", "missing \\)"),
        (r"ls)", "without a matching"),
        (r"[ls", "missing \\]"),
        (r"*ls", "nothing to repeat"),
        (r"ls**", "repetition operator"),
        (r"ls\Z", r"write \\z"),
        (r"ls\y", r"escape sequence \\y"),
        ("ls\\", "lone backslash"),
        (r"[z-a]", "range"),
    ],
)
def test_regex_rejected(pattern: str, reason: str) -> None:
    with pytest.raises(InvalidPattern, match=reason) as caught:
        compile_pattern(pattern, RuleType.REGEX)
    assert caught.value.details["type"] == "regex"
    assert isinstance(caught.value.details["re2_error"], str)  # RE2's text, decoded


# ---------------------------------------------------------------- every type


@pytest.mark.parametrize("rule_type", list(RuleType))
@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("", "empty"),
        ("a" * (MAX_PATTERN_LENGTH + 1), "longer than"),
        ("ls\x00", "NUL"),
        ("ls \ud800", "Unicode"),
    ],
)
def test_rejected_for_every_type(rule_type: RuleType, pattern: str, reason: str) -> None:
    with pytest.raises(InvalidPattern, match=reason):
        compile_pattern(pattern, rule_type)


@pytest.mark.parametrize("rule_type", list(RuleType))
def test_longest_allowed_pattern(rule_type: RuleType) -> None:
    pattern = compile_pattern("a" * MAX_PATTERN_LENGTH, rule_type)
    assert pattern.matches("a" * MAX_PATTERN_LENGTH)


def test_whitespace_only_exact_pattern_is_empty() -> None:
    with pytest.raises(InvalidPattern, match="empty"):
        compile_pattern("   ", RuleType.EXACT)


def test_unknown_type_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidPattern, match="exact, glob, regex") as caught:
        compile_pattern("ls", "wildcard")
    assert caught.value.details == {"pattern": "ls", "type": "wildcard"}


def test_invalid_pattern_is_a_422_invalid_request() -> None:
    with pytest.raises(InvalidRequest) as caught:
        compile_pattern("(a)\\1", "regex")
    assert caught.value.status_code == 422
    assert caught.value.to_dict()["code"] == "invalid_pattern"


@pytest.mark.parametrize("rule_type", ["exact", "glob", "regex"])
def test_type_may_be_given_as_text(rule_type: str) -> None:
    pattern = compile_pattern("ls", rule_type)
    assert pattern.type is RuleType(rule_type)
    assert pattern.source == "ls"
    assert pattern.matches("ls")


def test_compiled_patterns_compare_by_type_and_source() -> None:
    assert compile_pattern("ls*", "glob") == compile_pattern("ls*", "glob")
    assert compile_pattern("ls*", "glob") != compile_pattern("ls*", "regex")
    assert isinstance(hash(compile_pattern("ls", "regex")), int)


@pytest.mark.parametrize("rule_type", [RuleType.GLOB, RuleType.REGEX])
def test_text_that_is_not_unicode_never_matches(rule_type: RuleType) -> None:
    pattern = compile_pattern(".*" if rule_type is RuleType.REGEX else "*", rule_type)
    assert pattern.matches("ls")
    assert not pattern.matches("ls \ud800")


def test_compiled_pattern_is_immutable() -> None:
    pattern = compile_pattern("ls", "exact")
    assert isinstance(pattern, CompiledPattern)
    with pytest.raises(AttributeError):
        pattern.source = "rm -rf /"  # type: ignore[misc]


@pytest.mark.parametrize("rule_type", [RuleType.GLOB, RuleType.REGEX])
def test_a_pattern_cannot_be_built_without_its_matcher(rule_type: RuleType) -> None:
    # Otherwise a glob built by hand would silently compare as exact text.
    with pytest.raises(ValueError, match="compile_pattern"):
        CompiledPattern(rule_type, "ls*")
