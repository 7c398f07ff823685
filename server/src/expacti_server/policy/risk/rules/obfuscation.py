"""``obfuscation``: hides what a command runs, or cannot be read at all.

Commands whose parts are not all known in advance also land here, at lower
scores: unparseable text, ``eval``, ``sh -c``, substitutions and control flow.
"""

from __future__ import annotations

import re

from expacti_server.policy.risk.interface import RiskContext, RiskFinding
from expacti_server.policy.risk.rules._args import command_of, operands, option_values
from expacti_server.policy.risk.rules._pipes import SHELLS, CodeSinks, is_python, program
from expacti_server.policy.shell import ParsedCommand
from expacti_server.policy.words import short_flags, words

_ANSI_C_STRING = re.compile(r"\$'((?:[^'\\]|\\.)*)'", re.DOTALL)
_ESCAPE = re.compile(r"\\x([0-9A-Fa-f]{1,2})|\\([0-7]{1,3})|\\u([0-9A-Fa-f]{1,4})")
_BASE64_BLOB = re.compile(r"[A-Za-z0-9+/_-]{120,}={0,2}")
_HEX_BLOB = re.compile(r"(?:[0-9A-Fa-f]{2}){65,}")  # longer than a SHA-512
_DECODE_FLAGS = {"base64": "dD", "base32": "dD", "basenc": "dD", "xxd": "r"}
_UNPACKERS = frozenset({"rev", "uudecode", "gunzip", "zcat", "bzcat", "xzcat", "unxz"})

# (score, reason); (0, "") is no finding.
_Hit = tuple[int, str]
_NONE: _Hit = (0, "")


class Obfuscation:
    """base64 -d | sh, $'\\x..', eval "$X", sh -c "$X", long blobs; unparseable text."""

    id = "obfuscation"
    weight = 80
    contextual = False

    def evaluate(self, command: ParsedCommand, context: RiskContext) -> RiskFinding | None:
        hits = [_text_hit(command), *map(_runs_a_string, dict.fromkeys(command.parts))]
        score, reason = max(hits, key=lambda hit: hit[0])
        return RiskFinding(self.id, score, reason) if score else None


def _text_hit(command: ParsedCommand) -> _Hit:
    if _decodes_into_code(command):
        return (80, "Decodes hidden text and runs it.")
    if not command.parseable:
        return (60, "The command could not be parsed, so what it runs is unknown.")
    if any(map(_hides_letters, _ANSI_C_STRING.findall(command.text))):
        return (50, "Spells words with escape codes ($'\\x..'), hiding what they say.")
    if any(_is_blob(word) for part in dict.fromkeys(command.parts) for word in words(part)):
        return (40, "Carries a long encoded blob.")
    if command.substitution:
        return (20, "Builds part of the command at run time ($( ), backticks or <( )).")
    if command.control_flow:
        return (20, "Contains a loop, condition or function, so what runs is decided at run time.")
    return _NONE


def _decodes_into_code(command: ParsedCommand) -> bool:
    decoders = [p for p in dict.fromkeys(command.parts) if _decodes(p)]
    return bool(decoders) and any(map(CodeSinks(command).fed_by, decoders))


def _decodes(part: str) -> bool:
    cmd = command_of(part)
    if not cmd:
        return False
    name, args = cmd[0], cmd[1:]
    flags = short_flags(args)
    if name in _DECODE_FLAGS:
        return bool(set(flags) & set(_DECODE_FLAGS[name])) or "--decode" in args
    if name == "openssl":  # openssl enc -d, openssl base64 -d
        return "-d" in args
    if name == "tr":  # tr 'A-Za-z' 'N-ZA-Mn-za-m' (rot13); not tr -d '\r'
        return not set(flags) & set("ds") and len(operands(args)) == 2
    if name in {"printf", "echo"}:
        return _hides_letters(part)
    return name in _UNPACKERS or (name == "gzip" and "d" in flags)


def _hides_letters(text: str) -> bool:
    """Whether escapes in ``text`` spell printable characters (``\\x72\\x6d`` is "rm")."""
    for match in _ESCAPE.finditer(text):
        hex_code, octal, unicode = match.groups()
        code = int(hex_code, 16) if hex_code else int(octal, 8) if octal else int(unicode, 16)
        if 0x21 <= code <= 0x7E:  # printable, not a colour code or a control character
            return True
    return False


def _is_blob(word: str) -> bool:
    if _HEX_BLOB.fullmatch(word):
        return True
    if not _BASE64_BLOB.fullmatch(word):
        return False
    # Real base64 mixes cases and digits; a long run of one letter or a path does not.
    return all(re.search(chars, word) for chars in ("[a-z]", "[A-Z]", "[0-9]"))


def _runs_a_string(part: str) -> _Hit:
    """eval "$X" 50, eval 'ls' 30, sh -c "$X" 50, sh -c 'ls' 20, python -c "$X" 50."""
    cmd = command_of(part)
    name, args = (cmd[0], cmd[1:]) if cmd else ("", ())
    if name == "eval":
        if any(_expands(a) for a in args):
            return (50, "Runs code held in a variable or built at run time (eval).")
        return (30, "Runs a string as shell code (eval).")
    if name in SHELLS and "c" in short_flags(args):
        if _expands(_shell_code(args)):
            return (50, "Runs a command string built at run time (sh -c).")
        return (20, "Runs a command string through another shell (sh -c).")
    if is_python(name) or program(part) in {"perl", "ruby", "node"}:
        inline = option_values(args, frozenset({"-c", "-e", "-E"}))
        if any(code.startswith("$") for code in inline):
            return (50, "Runs code held in a variable.")
    return _NONE


def _expands(word: str) -> bool:
    return "$" in word or "`" in word


def _shell_code(args: tuple[str, ...]) -> str:
    """The command string of ``sh -c STRING`` (the first operand after the options)."""
    found = operands(args)
    return found[0] if found else ""
