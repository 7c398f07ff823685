"""Split a shell command into the simple commands it would run.

The whitelist approves a command only when every simple command inside it is
approved, so this module must find *all* of them: the ones joined by ``;``,
``&&``, ``|`` or newlines, and the ones hidden in ``$( )``, backticks, ``<( )``
and here-documents. It uses the tree-sitter Bash grammar rather than string
splitting, and reports any syntax error so that callers can fail closed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

__all__ = ["BLANKS", "ParsedCommand", "parse_command", "strip_blanks"]

_BASH = Language(tree_sitter_bash.language())

# What Bash skips between words. Python's bare strip() also removes NBSP, U+2028 and
# the like, which Bash keeps as part of a word: "ls\u00a0" is not the command "ls".
BLANKS = " \t\n"
_BLANK_BYTES = BLANKS.encode()

# Statements that run one program (or set variables); each becomes one part.
_SIMPLE_STATEMENTS = frozenset(
    {"command", "declaration_command", "unset_command", "test_command", "variable_assignments"}
)
# An assignment inside these is an argument or env prefix, not a statement of its own.
_ASSIGNMENT_OWNERS = frozenset({"command", "declaration_command", "variable_assignments"})
# ``select`` parses as a for_statement and ``until`` as a while_statement.
_CONTROL_FLOW = frozenset(
    {
        "if_statement",
        "for_statement",
        "c_style_for_statement",
        "while_statement",
        "case_statement",
        "function_definition",
    }
)
_SUBSTITUTIONS = frozenset({"command_substitution", "process_substitution"})
_MISREAD_CHARS = ("\x00", "\r", "\v", "\f")
# Nested substitutions repeat their inner text in every enclosing part, so the
# parts of ``echo $(echo $(…))`` grow with the square of the nesting. Past these
# limits a command is unparseable (a human decides) and collection stops.
MAX_PARTS = 256
# tree-sitter's Bash grammar takes time quadratic in the length of a chain of
# pipes or subshells (64 KiB of "a|" parses in ~50 s). Such a chain has far more
# than MAX_PARTS parts, so it is unparseable anyway: say so before parsing.
MAX_CHAIN_OPERATORS = 4 * MAX_PARTS
MAX_SUBSTITUTION_DEPTH = 16
MAX_PART_CHARS = 262_144
# Where a backtick is not a command substitution: single quotes, comments.
_LITERAL_CONTEXTS = frozenset({"raw_string", "ansi_c_string", "comment"})


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    """A command as submitted, and the simple commands it contains.

    ``parts`` lists every simple command in source order, an enclosing command
    before the ones nested in its substitutions. A part keeps its own
    redirections, here-document and env assignments (``ls > /etc/passwd`` is
    one part, never ``ls``), and a redirection applied to a group or pipeline
    (``{ a; b; } > f``) is a part of its own besides ``a`` and ``b``, so that
    the redirection is never lost.
    """

    text: str  # exactly as submitted
    parts: tuple[str, ...]
    # False on any syntax error, empty text, or text the grammar is known to misread.
    parseable: bool
    compound: bool  # more than one part
    control_flow: bool  # if, for, while, until, case, select, function definitions
    # Any $( ), backticks, <( ) or >( ). The risk rules need it, and ``parts`` alone
    # cannot tell ``a; b`` from ``a $(b)``.
    substitution: bool = False


class _ThreadParser(threading.local):
    """One parser per thread: a tree-sitter parser is not thread-safe; building one is cheap."""

    def __init__(self) -> None:
        self.parser = Parser(_BASH)


_local = _ThreadParser()


def parse_command(text: str) -> ParsedCommand:
    """Parse ``text`` as Bash. Never raises; problems show as ``parseable=False``."""
    source = _encode(text)
    if (
        source is None
        or not source.strip(_BLANK_BYTES)
        or text.count("|") + text.count("(") > MAX_CHAIN_OPERATORS
    ):
        return ParsedCommand(text, (), parseable=False, compound=False, control_flow=False)
    root = _local.parser.parse(source).root_node
    walk = _Walk(source)
    walk.visit(root)
    walk.opaque = walk.opaque or _stray_backticks(source, walk)
    parts = tuple(walk.parts)
    return ParsedCommand(
        text=text,
        parts=parts,
        parseable=not (root.has_error or walk.opaque) and _covers(root, source),
        compound=len(parts) > 1,
        control_flow=walk.control_flow,
        substitution=walk.substitution,
    )


def strip_blanks(text: str) -> str:
    """``text`` without the spaces, tabs and newlines around it (see ``BLANKS``)."""
    return text.strip(BLANKS)


def _encode(text: str) -> bytes | None:
    """UTF-8 bytes of ``text``, or None when it cannot be parsed faithfully."""
    # tree-sitter stops reading at a NUL byte, so anything after one would be
    # invisible to us. It also takes CR, VT and FF for blanks, which Bash does not:
    # in ``ls\r#; rm -rf /`` it sees a comment where Bash runs ``rm``.
    # Lone surrogates (possible from JSON) are not UTF-8.
    if any(char in text for char in _MISREAD_CHARS):
        return None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def _covers(root: Node, source: bytes) -> bool:
    """Whether the tree spans the whole input: text the grammar skipped was never checked."""
    leading = len(source) - len(source.lstrip(_BLANK_BYTES))
    return root.start_byte <= leading and root.end_byte >= len(source.rstrip(_BLANK_BYTES))


class _Walk:
    """Collects parts in one iterative pre-order pass (deep nesting cannot overflow the stack)."""

    __slots__ = (
        "backticks",
        "control_flow",
        "literal_spans",
        "opaque",
        "part_chars",
        "parts",
        "source",
        "substitution",
    )

    def __init__(self, source: bytes) -> None:
        self.source = source
        self.parts: list[str] = []
        self.part_chars = 0
        self.control_flow = False
        self.substitution = False
        # Set when the grammar is known to read this text differently from Bash,
        # or the command is too deeply nested to analyse.
        self.opaque = False
        self.backticks: set[int] = set()  # offsets of backticks that delimit a substitution
        self.literal_spans: list[tuple[int, int]] = []  # where a backtick is just a character

    def visit(self, root: Node) -> None:
        # Entries: (node, type of its parent, is it the body of a redirected
        # statement, how many substitutions enclose it).
        stack: list[tuple[Node, str, bool, int]] = [(root, "", False, 0)]
        while stack:
            node, parent_kind, is_body, depth = stack.pop()
            kind = node.type
            if kind in _SUBSTITUTIONS:
                depth += 1
                self._note_substitution(node, depth)
            elif kind in _LITERAL_CONTEXTS:
                self.literal_spans.append((node.start_byte, node.end_byte))
            elif kind == "heredoc_redirect":
                self.literal_spans.extend(_quoted_heredoc_body(node, self.source))
            if not is_body and _is_part(node, kind, parent_kind):
                self._add_part(node)
            self.control_flow = self.control_flow or kind in _CONTROL_FLOW
            self.opaque = self.opaque or _misread(node, kind, self.source)
            body = node.child_by_field_name("body") if kind == "redirected_statement" else None
            # Reversed, so that popping yields children in source order.
            for child in reversed(node.named_children):
                stack.append((child, kind, body is not None and child == body, depth))

    def _note_substitution(self, node: Node, depth: int) -> None:
        self.substitution = True
        if depth > MAX_SUBSTITUTION_DEPTH:
            self.opaque = True
        first, last = node.child(0), node.child(node.child_count - 1)
        if first is not None and first.type == "`" and last is not None:
            self.backticks.update((first.start_byte, last.start_byte))

    def _add_part(self, node: Node) -> None:
        if len(self.parts) >= MAX_PARTS:
            self.opaque = True
            return
        text = _text(self.source, node)
        self.part_chars += len(text)
        if self.part_chars > MAX_PART_CHARS:
            self.opaque = True
            return
        # A MISSING node (``ls &&``) spans nothing; the command is unparseable anyway.
        if text:
            self.parts.append(text)


def _is_part(node: Node, kind: str, parent_kind: str) -> bool:
    if kind in _SIMPLE_STATEMENTS or kind == "redirected_statement":
        return True
    if kind == "variable_assignment":
        return parent_kind not in _ASSIGNMENT_OWNERS
    if kind == "compound_statement":
        # ``(( expr ))`` is a command in its own right; ``{ ...; }`` only groups others.
        first = node.child(0)
        return first is not None and first.type == "(("
    return False


# ---------------------------------------------------------------- grammar gaps
# Places where tree-sitter-bash reads a command differently from Bash in a way
# that could hide a command. Each one makes the command unparseable (a human
# decides) rather than trying to guess what Bash would do.


def _misread(node: Node, kind: str, source: bytes) -> bool:
    if kind == "word":
        return _bare_newline(source, node.start_byte, node.end_byte)
    if kind in _SIMPLE_STATEMENTS:
        return _joins_lines(node, source)
    if kind == "heredoc_redirect":
        return _hides_backticks(node, source)
    return False


def _joins_lines(command: Node, source: bytes) -> bool:
    """Whether the grammar made one command of two lines.

    For ``ls\\n\\rm x`` (a line starting with a backslash) tree-sitter-bash
    returns one command ``ls`` with arguments, while Bash runs ``ls`` and then
    ``rm x``. Between the words of one simple command Bash allows blanks and
    line continuations, never a bare newline, so one there means two commands.
    """
    end = command.start_byte
    for child in command.children:
        if _bare_newline(source, end, child.start_byte):
            return True
        end = child.end_byte
    return False


def _bare_newline(source: bytes, start: int, end: int) -> bool:
    """Whether ``source[start:end]`` holds a newline not escaped by a backslash."""
    newline = source.find(b"\n", start, end)
    while newline != -1:
        first = newline
        while first > 0 and source[first - 1] == ord("\\"):
            first -= 1
        if (newline - first) % 2 == 0:  # an even run of backslashes escapes only itself
            return True
        newline = source.find(b"\n", newline + 1, end)
    return False


def _heredoc_parts(redirect: Node, source: bytes) -> tuple[Node | None, Node | None, bool]:
    """The start and body of a here-document, and whether its delimiter is quoted."""
    start = body = None
    for child in redirect.named_children:
        if child.type == "heredoc_start":
            start = child
        elif child.type == "heredoc_body":
            body = child
    # A quoted delimiter (<<'EOF', <<"EOF", <<\EOF) turns off every expansion in the body.
    quoted = start is not None and any(q in _text(source, start) for q in ("'", '"', "\\"))
    return start, body, quoted


def _quoted_heredoc_body(redirect: Node, source: bytes) -> list[tuple[int, int]]:
    """The span of a quoted here-document's body, where backticks are plain text."""
    _, body, quoted = _heredoc_parts(redirect, source)
    return [(body.start_byte, body.end_byte)] if body is not None and quoted else []


def _hides_backticks(redirect: Node, source: bytes) -> bool:
    """Whether an unquoted here-document body holds backticks.

    Bash runs `...` in an unquoted here-document, but tree-sitter-bash leaves
    them as plain text, so the commands inside would be invisible to us.
    """
    start, body, quoted = _heredoc_parts(redirect, source)
    if start is None or body is None:
        return False
    return not quoted and "`" in _text(source, body)


def _stray_backticks(source: bytes, walk: _Walk) -> bool:
    """Whether a backtick outside quotes and comments is not a substitution the grammar saw.

    tree-sitter-bash leaves backticks inside ``${…}`` and escaped nested
    backticks as plain text, while Bash runs what is between them; such a
    command must not be judged by parts that lack the hidden one.
    """
    position = source.find(b"`")
    while position != -1:
        if position not in walk.backticks and not any(
            start <= position < end for start, end in walk.literal_spans
        ):
            return True
        position = source.find(b"`", position + 1)
    return False


def _text(source: bytes, node: Node) -> str:
    # Offsets are in bytes; "replace" only matters for invalid UTF-8, which cannot come from str.
    raw = source[node.start_byte : node.end_byte]
    return strip_blanks(raw.decode("utf-8", errors="replace"))
