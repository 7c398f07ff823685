"""The shell splitter: every simple command a Bash would run must show up as a part."""

from __future__ import annotations

import threading

import pytest

from expacti_server.policy.shell import (
    MAX_PART_CHARS,
    MAX_PARTS,
    MAX_SUBSTITUTION_DEPTH,
    ParsedCommand,
    parse_command,
)

PARTS = [
    # Lists, pipelines, newlines.
    ("ls", ("ls",)),
    ("  ls -la  ", ("ls -la",)),
    ("ls; rm -rf /", ("ls", "rm -rf /")),
    ("ls && curl x | sh", ("ls", "curl x", "sh")),
    ("ls || rm x", ("ls", "rm x")),
    ("ls\nrm -rf /", ("ls", "rm -rf /")),
    ("a & b", ("a", "b")),
    ("ls |& grep x", ("ls", "grep x")),
    # Escaped and quoted separators are arguments, not separators.
    ("ls \\; rm", ("ls \\; rm",)),
    ("echo 'a; rm -rf /'", ("echo 'a; rm -rf /'",)),
    ('echo "a && b"', ('echo "a && b"',)),
    ("echo a\\\nb", ("echo a\\\nb",)),
    ("ls \\\n  -la", ("ls \\\n  -la",)),  # a line continuation joins lines, as in Bash
    ("echo a\\\\\nrm x", ("echo a\\\\", "rm x")),  # an escaped backslash does not
    ("ls\n\trm x", ("ls", "rm x")),
    # Substitutions: the outer command keeps its text, the inner one is a part too.
    ("echo $(rm -rf /)", ("echo $(rm -rf /)", "rm -rf /")),
    ("echo `rm -rf /`", ("echo `rm -rf /`", "rm -rf /")),
    ('echo "$(id)"', ('echo "$(id)"', "id")),
    ("echo a`id`b", ("echo a`id`b", "id")),
    ("echo $(echo $(id))", ("echo $(echo $(id))", "echo $(id)", "id")),
    ("echo ${x:-$(id)}", ("echo ${x:-$(id)}", "id")),
    ("echo $((1 + $(id)))", ("echo $((1 + $(id)))", "id")),
    ("ls > $(id)", ("ls > $(id)", "id")),
    ("x=$(id) ls", ("x=$(id) ls", "id")),
    ("export A=$(id) B=2", ("export A=$(id) B=2", "id")),
    ("a=(x $(id))", ("a=(x $(id))", "id")),
    ("[[ $(id) ]]", ("[[ $(id) ]]", "id")),
    ("echo '$(id)'", ("echo '$(id)'",)),
    # Process substitution.
    ("diff <(a) <(b)", ("diff <(a) <(b)", "a", "b")),
    ("cat < <(id)", ("cat < <(id)", "id")),
    ("a >(tee x)", ("a >(tee x)", "tee x")),
    # Here-documents and here-strings: the body stays in the outer part.
    ("cat <<EOF\nhi $(whoami)\nEOF", ("cat <<EOF\nhi $(whoami)\nEOF", "whoami")),
    ("cat <<EOF\nhi\nEOF", ("cat <<EOF\nhi\nEOF",)),
    ("cat <<EOF\nhi\nEOF\n", ("cat <<EOF\nhi\nEOF",)),
    ("cat <<'EOF'\nhi $(whoami)\nEOF", ("cat <<'EOF'\nhi $(whoami)\nEOF",)),
    ('cat <<"EOF"\n`id`\nEOF', ('cat <<"EOF"\n`id`\nEOF',)),
    ("cat <<EOF > out\nhi\nEOF\necho done", ("cat <<EOF > out\nhi\nEOF", "echo done")),
    ("cat <<EOF | sh\nrm -rf /\nEOF", ("cat <<EOF | sh\nrm -rf /\nEOF", "sh")),
    ("cat <<EOF && rm x\nbody\nEOF", ("cat <<EOF && rm x\nbody\nEOF", "rm x")),
    ('cat <<<"$(id)"', ('cat <<<"$(id)"', "id")),
    # Redirections and env assignments belong to their command.
    ("ls > /etc/passwd", ("ls > /etc/passwd",)),
    ("ls>/etc/passwd", ("ls>/etc/passwd",)),
    ("FOO=1 BAR=2 ls > /etc/passwd 2>&1", ("FOO=1 BAR=2 ls > /etc/passwd 2>&1",)),
    ("> f ls", ("> f ls",)),
    ("> file", ("> file",)),
    ("ls 2>/dev/null | grep x", ("ls 2>/dev/null", "grep x")),
    # A redirection of a group or pipeline is a part of its own, so it is never lost.
    ("{ ls; } > /etc/passwd", ("{ ls; } > /etc/passwd", "ls")),
    ("a | b > c", ("a | b > c", "a", "b")),
    ("! a > x", ("! a > x", "a")),
    # Assignments.
    ("FOO=1", ("FOO=1",)),
    ("A=1 B=2", ("A=1 B=2",)),
    ("x=1; y=2", ("x=1", "y=2")),
    ("unset FOO", ("unset FOO",)),
    # Grouping and negation yield their inner commands.
    ("( a; b )", ("a", "b")),
    ("{ a; b; }", ("a", "b")),
    ("! a", ("a",)),
    # Commands that are neither words nor groups are parts, not silently dropped.
    ("(( x++ ))", ("(( x++ ))",)),
    ("[[ -f x ]]", ("[[ -f x ]]",)),
    ("[ -f x ]", ("[ -f x ]",)),
    # Comments are not commands.
    ("ls # rm -rf /", ("ls",)),
    ("# only a comment", ()),
    # Unicode.
    ("echo héllo wörld; rm ✓", ("echo héllo wörld", "rm ✓")),
    ("ls\u00a0", ("ls\u00a0",)),  # NBSP is part of the word for Bash, so it stays
    ("echo 日本語 $(printf 😀)", ("echo 日本語 $(printf 😀)", "printf 😀")),
]


@pytest.mark.parametrize(("text", "parts"), PARTS)
def test_parts(text: str, parts: tuple[str, ...]) -> None:
    parsed = parse_command(text)
    assert parsed.parts == parts
    assert parsed.parseable
    assert parsed.text == text  # kept exactly as submitted
    assert parsed.compound == (len(parts) > 1)


CONTROL_FLOW = [
    "if a; then b; fi",
    "if a; then b; elif c; then d; else e; fi",
    "for f in *; do rm $f; done",
    "for ((i=0; i<3; i++)); do echo $i; done",
    "while true; do ls; done",
    "until false; do ls; done",
    "case $x in a) ls;; esac",
    "f() { ls; }",
    "function f { ls; }",
    "select x in a b; do echo $x; done",
    "ls && (if a; then b; fi)",
    "echo $(for x in a; do echo; done)",
]


@pytest.mark.parametrize("text", CONTROL_FLOW)
def test_control_flow(text: str) -> None:
    parsed = parse_command(text)
    assert parsed.parseable
    assert parsed.control_flow


@pytest.mark.parametrize(
    "text", ["ls; pwd", "ls | grep x", "echo $(id)", "(ls)", "(( x++ ))", "[[ -f x ]]"]
)
def test_no_control_flow(text: str) -> None:
    assert not parse_command(text).control_flow


def test_control_flow_still_lists_inner_commands() -> None:
    parsed = parse_command("for f in $(ls); do rm -rf $f; done")
    assert "ls" in parsed.parts
    assert "rm -rf $f" in parsed.parts


@pytest.mark.parametrize(
    ("text", "substitution"),
    [
        ("echo $(id)", True),
        ("echo `id`", True),
        ("diff <(a) b", True),
        ("a >(b)", True),
        ("ls; id", False),
        ("echo '$(id)'", False),
        ("echo $HOME", False),
    ],
)
def test_substitution_flag(text: str, substitution: bool) -> None:
    assert parse_command(text).substitution is substitution


UNPARSEABLE = [
    "",
    "   ",
    " \n\t ",
    'echo "unterminated',
    "echo 'unterminated",
    "ls &&",
    "ls |",
    "(ls",
    "echo $(ls",
    "if true; then ls",
    "cat <<EOF; ls\nbody $(id)\nEOF\necho hi",
    # tree-sitter stops reading at NUL; the rest would be invisible.
    "ls\x00; rm -rf /",
    # tree-sitter takes CR, VT and FF for blanks; Bash does not, so the "#" below
    # starts a comment for the grammar but not for Bash, which runs rm.
    "ls\r#; rm -rf /",
    "ls a\v#; rm -rf /",
    "ls\f#; rm -rf /",
    "ls\r\nrm x",
    # A line starting with a backslash is glued to the line before by the grammar.
    "ls\n\\rm -rf /",
    "ls\n\\\nrm -rf /",
    "ls\n\\ rm",
    "x=1\n\\rm -rf /",
    "export A=1\n\\rm -rf /",
    # Lone surrogates (possible from JSON) are not UTF-8.
    "ls \ud800",
    # Bash runs backticks in an unquoted here-document; the grammar does not see them.
    "cat <<EOF\nhi `rm -rf /`\nEOF",
    # The grammar silently skips a leading BOM or escaped space, which Bash keeps as part
    # of the command name: text the parse tree does not cover was never checked.
    "\ufeffls",
    "\\ ls",
    # Backticks inside ${...} and escaped nested backticks are plain text to the
    # grammar, while Bash runs what is between them.
    "echo ${x:-`rm -rf ~`}",
    'echo "${x:=`rm -rf ~`}"',
    "echo ${x#`id`}",
    "echo `echo \\`rm -rf ~\\``",
    # Too deep or too many parts to analyse in bounded time and memory.
    "echo " + "$(echo " * 17 + "x" + ")" * 17,
    "; ".join(["ls"] * 257),
]


@pytest.mark.parametrize("text", UNPARSEABLE)
def test_unparseable(text: str) -> None:
    parsed = parse_command(text)
    assert not parsed.parseable
    assert parsed.text == text
    assert "" not in parsed.parts


def test_empty_text_has_no_parts() -> None:
    assert parse_command("") == ParsedCommand("", (), False, False, False)


def test_deep_nesting_does_not_overflow_and_is_bounded() -> None:
    depth = 3000
    parsed = parse_command("echo " + "$(" * depth + "id" + ")" * depth)
    assert not parsed.parseable  # past MAX_SUBSTITUTION_DEPTH: a human decides
    assert len(parsed.parts) <= MAX_PARTS
    assert sum(map(len, parsed.parts)) <= MAX_PART_CHARS


def test_nesting_up_to_the_limit_is_analysed() -> None:
    depth = MAX_SUBSTITUTION_DEPTH
    parsed = parse_command("echo " + "$(echo " * depth + "x" + ")" * depth)
    assert parsed.parseable
    assert len(parsed.parts) == depth + 1


@pytest.mark.parametrize(
    "text",
    ["echo '`id`'", "ls # `id`", 'cat <<"EOF"\n`id`\nEOF', "echo $'`id`'", "echo `id`"],
)
def test_backticks_that_are_text_or_seen_substitutions_stay_parseable(text: str) -> None:
    assert parse_command(text).parseable


def test_parsing_from_many_threads_gives_the_same_answer() -> None:
    texts = [text for text, _ in PARTS] * 5
    expected = [parse_command(text) for text in texts]
    results: dict[int, list[ParsedCommand]] = {}

    def work(n: int) -> None:
        results[n] = [parse_command(text) for text in texts]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result == expected for result in results.values())
    assert len(results) == 8
