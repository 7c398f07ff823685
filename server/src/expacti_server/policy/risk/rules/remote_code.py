"""``remote_code``: fetches code from the network and runs it."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import urlsplit

from expacti_server.policy.risk.interface import RiskContext, RiskFinding
from expacti_server.policy.risk.rules._args import command_of, operands, option_values
from expacti_server.policy.risk.rules._pipes import CodeSinks, is_python, program, runs_code
from expacti_server.policy.shell import ParsedCommand
from expacti_server.policy.words import short_flags

_DOWNLOADERS = frozenset({"curl", "wget", "fetch", "http", "https", "xh"})
# Options of curl and wget that take a value, so that the value is not read as the URL.
_CURL_VALUES = frozenset(
    {"-o", "--output", "-H", "--header", "-X", "--request", "-u", "--user", "-A"}
    | {"--user-agent", "-e", "--referer", "-d", "--data", "-F", "--form", "-w", "-m"}
)
_WGET_VALUES = frozenset({"-O", "--output-document", "-P", "-U", "--user-agent", "-e", "-o"})
# Where inline code is given to an interpreter: python -c, perl -e, ruby -e, node -e, php -r.
_INLINE = frozenset({"-c", "-e", "-E", "-r", "--eval", "-p", "--print"})
_NETWORK_CODE = re.compile(
    r"urllib|urlopen|urlretrieve|requests\.(get|post|request)|http\.client|httpx\."
    r"|LWP::|HTTP::Tiny|IO::Socket|open-uri|Net::HTTP|https?\.get\(|fetch\(\s*['\"]https?:"
    r"|file_get_contents\(\s*['\"]https?:"
)

_REASONS = {
    90: "Downloads code and runs it with a shell or interpreter.",
    80: "Downloads a file or fetches code inline, and runs it.",
}


class RemoteCode:
    """curl | sh, bash <(curl ...), eval "$(curl ...)", download then run, python -c urlopen."""

    id = "remote_code"
    weight = 90
    contextual = False

    def evaluate(self, command: ParsedCommand, context: RiskContext) -> RiskFinding | None:
        parts = command.parts
        sinks = CodeSinks(command)
        first = {part: i for i, part in reversed(list(enumerate(parts)))}
        downloads = [part for part in first if program(part) in _DOWNLOADERS]
        if any(map(sinks.fed_by, downloads)):
            return RiskFinding(self.id, 90, _REASONS[90])
        run = _RunIndex(parts)
        if any(run.after(first[d], _saved_names(d)) for d in downloads) or any(
            map(_inline_download, first)
        ):
            return RiskFinding(self.id, 80, _REASONS[80])
        return None


class _RunIndex:
    """Where each file is run in a command: ``./i.sh`` (as the program) or ``sh i.sh``."""

    def __init__(self, parts: tuple[str, ...]) -> None:
        self._last: dict[str, int] = {}  # file base name -> the last part that runs it
        for i, part in enumerate(parts):
            cmd = command_of(part)
            if not cmd or cmd[0] in _DOWNLOADERS:
                continue
            names = {cmd[0]}
            if runs_code(part):
                names |= {posixpath.basename(a) for a in operands(cmd[1:])}
            self._last.update(dict.fromkeys(names, i))

    def after(self, index: int, files: set[str]) -> bool:
        """Whether one of ``files`` is run by a part after part ``index``."""
        return any(self._last.get(name, -1) > index for name in files)


def _saved_names(download: str) -> set[str]:
    """The base names a download saves to: ``curl -o x``, ``curl -O URL``, ``wget URL``."""
    cmd = command_of(download)
    name, args = cmd[0], cmd[1:]
    if name == "curl":
        names = option_values(args, frozenset({"-o", "--output"}))
        by_url = "--remote-name" in args or "O" in short_flags(args)
        takes_value = _CURL_VALUES
    elif name == "wget":
        names = option_values(args, frozenset({"-O", "--output-document"}))
        by_url = not names
        takes_value = _WGET_VALUES
    else:
        return set()
    if by_url:  # saved under the last segment of the URL's path
        names += [_url_path(a) for a in operands(args, takes_value) if "/" in a]
    return {posixpath.basename(n) for n in names} - {"", "-"}


def _url_path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:  # a malformed [IPv6] literal
        return ""


def _inline_download(part: str) -> bool:
    cmd = command_of(part)
    if not cmd or not (is_python(cmd[0]) or runs_code(part)):
        return False
    return any(_NETWORK_CODE.search(code) for code in option_values(cmd[1:], _INLINE))
