"""The whitelist index: when a command may run without a human. Security critical."""

from __future__ import annotations

import pytest

from expacti_server.errors import InvalidRequest
from expacti_server.policy.patterns import compile_pattern
from expacti_server.policy.shell import parse_command
from expacti_server.policy.whitelist_index import (
    IndexedRule,
    Scope,
    ScopeKind,
    WhitelistIndex,
    WhitelistMatch,
)

NOW = 1_000_000.0
TARGET = "web-1"
GROUPS = frozenset({"web", "eu"})


def rule(
    rule_id: str,
    pattern: str,
    rule_type: str = "exact",
    *,
    scope: str = "global",
    expires_at: float | None = None,
) -> IndexedRule:
    return IndexedRule(rule_id, compile_pattern(pattern, rule_type), Scope.parse(scope), expires_at)


def index(*rules: IndexedRule) -> WhitelistIndex:
    built = WhitelistIndex()
    for r in rules:
        built.add(r)
    return built


def match(
    idx: WhitelistIndex,
    text: str,
    *,
    target: str | None = TARGET,
    groups: frozenset[str] = GROUPS,
    now: float = NOW,
) -> tuple[str, ...] | None:
    found = idx.match(parse_command(text), target=target, target_groups=groups, now=now)
    return None if found is None else found.rule_ids


# ---------------------------------------------------------------- scopes


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        (None, Scope(ScopeKind.GLOBAL)),
        ("", Scope(ScopeKind.GLOBAL)),
        ("global", Scope(ScopeKind.GLOBAL)),
        ("group:web", Scope(ScopeKind.GROUP, "web")),
        ("target:db-1", Scope(ScopeKind.TARGET, "db-1")),
        ("target:a:b", Scope(ScopeKind.TARGET, "a:b")),
    ],
)
def test_scope_parse(text: str | None, scope: Scope) -> None:
    assert Scope.parse(text) == scope


@pytest.mark.parametrize("text", ["global", "group:web", "target:db-1", "target:a:b"])
def test_scope_str_is_the_inverse_of_parse(text: str) -> None:
    assert str(Scope.parse(text)) == text


@pytest.mark.parametrize(
    "text",
    ["group:", "target:", "group", "target", "Global", "GROUP:web", "host:x", "group: web", ":x"],
)
def test_scope_parse_rejects(text: str) -> None:
    with pytest.raises(InvalidRequest, match="scope"):
        Scope.parse(text)


@pytest.mark.parametrize(
    ("kind", "value"),
    [(ScopeKind.GLOBAL, "x"), (ScopeKind.GROUP, None), (ScopeKind.TARGET, "")],
)
def test_scope_constructor_validates(kind: ScopeKind, value: str | None) -> None:
    with pytest.raises(InvalidRequest):
        Scope(kind, value)


@pytest.mark.parametrize(
    ("scope", "target", "groups", "applies"),
    [
        ("global", TARGET, GROUPS, True),
        ("global", None, frozenset(), True),
        ("target:web-1", "web-1", GROUPS, True),
        ("target:web-1", "web-2", GROUPS, False),
        ("target:web-1", None, GROUPS, False),
        ("group:web", "web-2", frozenset({"web"}), True),
        ("group:web", "web-1", frozenset({"db"}), False),
        ("group:web", "web", frozenset(), False),  # a target named like the group is not in it
        ("target:web", "web-1", frozenset({"web"}), False),  # a group named like the target
    ],
)
def test_scope_decides_whether_a_rule_applies(
    scope: str, target: str | None, groups: frozenset[str], applies: bool
) -> None:
    for rule_type in ("exact", "glob", "regex"):
        idx = index(rule("r", "ls", rule_type, scope=scope))
        assert (match(idx, "ls", target=target, groups=groups) == ("r",)) is applies


# ---------------------------------------------------------------- expiry


@pytest.mark.parametrize("rule_type", ["exact", "glob", "regex"])
@pytest.mark.parametrize(
    ("expires_at", "now", "applies"),
    [
        (None, NOW, True),
        (NOW + 1, NOW, True),
        (NOW + 0.001, NOW, True),
        (NOW, NOW, False),  # expiry is exclusive
        (NOW - 1, NOW, False),
    ],
)
def test_expired_rules_do_not_apply(
    rule_type: str, expires_at: float | None, now: float, applies: bool
) -> None:
    idx = index(rule("r", "ls", rule_type, expires_at=expires_at))
    assert (match(idx, "ls", now=now) == ("r",)) is applies


def test_an_expired_exact_rule_falls_through_to_a_live_pattern() -> None:
    idx = index(rule("old", "ls", expires_at=NOW - 1), rule("glob", "ls*", "glob"))
    assert match(idx, "ls") == ("glob",)


# ---------------------------------------------------------------- compound commands


def test_exact_rule_approves_its_command() -> None:
    idx = index(rule("r1", "git status"))
    assert match(idx, "git status") == ("r1",)
    assert match(idx, "  git status\n") == ("r1",)
    assert match(idx, "git status --short") is None


LS_GLOB_MUST_NOT_APPROVE = [
    "ls; rm -rf /",
    "ls && rm -rf /",
    "ls || rm -rf /",
    "ls | sh",
    "ls & rm -rf /",
    "ls\nrm -rf /",
    "ls $(rm -rf /)",
    'ls "$(rm -rf /)"',
    "ls `rm -rf /`",
    "ls <(rm -rf /)",
    "ls > $(rm -rf /)",
    "ls ${x:-$(rm -rf /)}",
    "(ls; rm -rf /)",
    "{ ls; rm -rf /; }",
    "ls; (rm -rf /)",
    "rm -rf /; ls",
    "FOO=$(rm -rf /) ls",
    "cat <<EOF\n$(rm -rf /)\nEOF",
    "cat <<EOF\n`rm -rf /`\nEOF",
    "ls\r#; rm -rf /",
    "ls\n\\rm -rf /",
    "ls\x00; rm -rf /",
]


@pytest.mark.parametrize("text", LS_GLOB_MUST_NOT_APPROVE)
def test_a_pattern_never_approves_a_smuggled_command(text: str) -> None:
    idx = index(
        rule("ls", "ls*", "glob"),
        rule("cat", "cat*", "glob"),
        # Even a regex that crosses newlines must not approve what it cannot see.
        rule("ls-any", "(?s)ls.*", "regex"),
        rule("cat-any", "(?s)cat.*", "regex"),
    )
    assert match(idx, text) is None


@pytest.mark.parametrize("text", ["ls -la", "ls /tmp", "ls *.txt"])
def test_the_same_glob_approves_plain_use(text: str) -> None:
    idx = index(rule("ls", "ls*", "glob"))
    assert match(idx, text) == ("ls",)


@pytest.mark.parametrize(
    "text",
    [
        "ls > /etc/passwd",
        "ls >> /etc/passwd",
        "ls 2>/etc/x",
        "> /etc/passwd ls",
        "{ ls; } > /etc/passwd",
        "(ls) > /etc/passwd",
        "ls | ls > /etc/passwd",
        "FOO=1 ls",
        "LD_PRELOAD=/tmp/evil.so ls",
        "ls\u00a0",
        "\u00a0ls",
        "! ls > /etc/passwd",
    ],
)
def test_an_exact_rule_does_not_approve_added_redirections_or_env(text: str) -> None:
    idx = index(rule("ls", "ls"))
    assert match(idx, text) is None


def test_every_part_must_be_approved() -> None:
    idx = index(rule("ls", "ls"), rule("rm", "rm -rf ./build"))
    assert match(idx, "ls; rm -rf ./build") == ("ls", "rm")
    assert match(idx, "ls; rm -rf /") is None


def test_nested_commands_need_their_own_rule() -> None:
    idx = index(rule("echo", "echo *", "glob"))
    assert match(idx, "echo $(whoami)") is None
    idx.add(rule("whoami", "whoami"))
    assert match(idx, "echo $(whoami)") == ("echo", "whoami")


def test_a_here_document_needs_its_whole_text_and_its_substitutions() -> None:
    heredoc = "cat <<EOF\nhi $(whoami)\nEOF"
    idx = index(rule("heredoc", heredoc))
    # The whole text matches the exact rule, as a human approved exactly that.
    assert match(idx, heredoc) == ("heredoc",)
    idx = index(
        rule("whoami", "whoami"), rule("cat", r"cat <<EOF\n[^$]*\$\(whoami\)\nEOF", "regex")
    )
    assert match(idx, heredoc) == ("cat", "whoami")
    idx.remove("whoami")
    assert match(idx, heredoc) is None


def test_rule_ids_are_distinct_and_in_part_order() -> None:
    idx = index(rule("pwd", "pwd"), rule("ls", "ls"))
    found = idx.match(parse_command("ls; pwd; ls"), target=None, target_groups=frozenset(), now=NOW)
    assert found == WhitelistMatch(("ls", "pwd"))


def test_exact_rules_are_preferred_to_patterns() -> None:
    idx = index(rule("glob", "ls*", "glob"), rule("exact", "ls"))
    assert match(idx, "ls") == ("exact",)
    assert match(idx, "ls -la") == ("glob",)


def test_patterns_are_tried_in_order_and_out_of_scope_ones_skipped() -> None:
    idx = index(
        rule("other", "ls*", "glob", scope="target:db-1"),
        rule("first", "ls -*", "glob"),
        rule("second", "ls.*", "regex"),
    )
    assert match(idx, "ls -la") == ("first",)
    assert match(idx, "ls /") == ("second",)


def test_regex_rules_full_match_each_part() -> None:
    idx = index(rule("r", r"git (status|diff)", "regex"))
    assert match(idx, "git diff") == ("r",)
    assert match(idx, "git diff; git status") == ("r",)
    assert match(idx, "git diff --output=/etc/passwd") is None
    assert match(idx, "git diffx") is None


def test_unicode_commands() -> None:
    idx = index(rule("echo", "echo ✓ *", "glob"), rule("rm", "rm 日本"))
    assert match(idx, "echo ✓ héllo; rm 日本") == ("echo", "rm")
    assert match(idx, "echo ✓ héllo; rm 日本語") is None


# ---------------------------------------------------------------- whole-text exact rules


@pytest.mark.parametrize(
    "text",
    [
        "ls; rm -rf ./build",
        "for f in *.log; do gzip $f; done",
        "if [ -f x ]; then rm x; fi",
        "echo $(date) > /tmp/now",
        "cat <<EOF\nhi\nEOF",
    ],
)
def test_an_exact_rule_for_the_whole_text_approves_it(text: str) -> None:
    idx = index(rule("whole", text))
    assert match(idx, f"  {text}\n") == ("whole",)


def test_whole_text_rules_respect_scope_and_expiry() -> None:
    text = "ls; pwd"
    assert match(index(rule("w", text, scope="target:other")), text) is None
    assert match(index(rule("w", text, expires_at=NOW)), text) is None


@pytest.mark.parametrize(
    "text",
    [
        "for f in *; do ls; done",
        "while true; do ls; done",
        "if true; then ls; fi",
        "f() { ls; }; f",
        "case x in x) ls;; esac",
    ],
)
def test_control_flow_is_never_approved_part_by_part(text: str) -> None:
    idx = index(rule("any", "*", "glob"), rule("any-regex", ".*", "regex"))
    assert match(idx, text) is None


UNPARSEABLE = ['echo "unterminated', "ls &&", "ls; (rm -rf /", "cat <<EOF\n`id`\nEOF"]


@pytest.mark.parametrize("text", [*UNPARSEABLE, "", "   ", "ls\x00; rm -rf /"])
def test_unparseable_commands_are_never_approved_by_patterns(text: str) -> None:
    idx = index(rule("any", "*", "glob"), rule("regex", "(?s).*", "regex"))
    assert match(idx, text) is None


@pytest.mark.parametrize("text", UNPARSEABLE)
def test_unparseable_commands_are_not_approved_even_by_an_identical_exact_rule(text: str) -> None:
    assert match(index(rule("exact", text)), text) is None


def test_a_command_with_no_parts_is_not_approved_by_patterns() -> None:
    idx = index(rule("any", "*", "glob"))
    assert match(idx, "# just a comment") is None


def test_an_empty_index_approves_nothing() -> None:
    assert match(WhitelistIndex(), "ls") is None


# ---------------------------------------------------------------- add, replace, remove


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (("ls", "exact"), ("pwd", "exact")),
        (("ls", "exact"), ("pwd", "glob")),
        (("ls*", "glob"), ("pwd", "exact")),
        (("ls*", "glob"), ("pwd", "regex")),
    ],
)
def test_adding_a_rule_with_the_same_id_replaces_it(
    old: tuple[str, str], new: tuple[str, str]
) -> None:
    idx = index(rule("r", *old))
    idx.add(rule("r", *new))
    assert len(idx) == 1
    assert match(idx, "ls") is None
    assert match(idx, "pwd") == ("r",)


def test_replacing_can_change_scope_and_expiry() -> None:
    idx = index(rule("r", "ls"))
    idx.add(rule("r", "ls", scope="target:db-1"))
    assert match(idx, "ls") is None
    idx.add(rule("r", "ls", expires_at=NOW - 1))
    assert match(idx, "ls", target="db-1") is None


@pytest.mark.parametrize("rule_type", ["exact", "glob", "regex"])
def test_remove(rule_type: str) -> None:
    idx = index(rule("r", "ls", rule_type), rule("keep", "pwd"))
    idx.remove("r")
    assert len(idx) == 1
    assert match(idx, "ls") is None
    assert match(idx, "pwd") == ("keep",)


def test_remove_an_absent_rule_is_not_an_error() -> None:
    idx = index(rule("r", "ls"))
    idx.remove("nope")
    idx.remove("r")
    idx.remove("r")
    assert len(idx) == 0


def test_two_exact_rules_with_the_same_text_are_independent() -> None:
    idx = index(rule("a", "ls", scope="target:db-1"), rule("b", " ls "))
    assert match(idx, "ls") == ("b",)
    assert match(idx, "ls", target="db-1") == ("a",)
    idx.remove("b")
    assert match(idx, "ls") is None
    assert match(idx, "ls", target="db-1") == ("a",)
    idx.remove("a")
    assert match(idx, "ls", target="db-1") is None


def test_index_can_be_built_from_rules() -> None:
    idx = WhitelistIndex([rule("a", "ls"), rule("b", "pwd", "glob"), rule("a", "id")])
    assert len(idx) == 2
    assert match(idx, "id; pwd") == ("a", "b")
    assert match(idx, "ls") is None
