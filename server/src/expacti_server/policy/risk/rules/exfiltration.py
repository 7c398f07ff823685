"""``exfiltration``: sends files or data to a host outside the organisation's egress allow-list."""

from __future__ import annotations

import re
from collections.abc import Callable

from expacti_server.policy.risk.interface import RiskContext, RiskFinding
from expacti_server.policy.risk.rules._args import command_of, operands, option_values, plain_args
from expacti_server.policy.risk.rules._hosts import is_allowed, remote_path_host, url_host
from expacti_server.policy.shell import ParsedCommand
from expacti_server.policy.words import short_flags, words

# What a command sends, and where: (score, host or None when it cannot be read).
_Sends = list[tuple[int, str | None]]

_CURL_DATA = frozenset(
    {"-d", "--data", "--data-binary", "--data-ascii", "--data-urlencode", "--json"}
)
_CURL_FORM = frozenset({"-F", "--form"})
_CURL_UPLOAD = frozenset({"-T", "--upload-file"})
# curl options that take a value, so that the value is not read as the URL.
_CURL_VALUES = (
    _CURL_DATA
    | _CURL_FORM
    | _CURL_UPLOAD
    | {"--data-raw", "--form-string", "-H", "--header", "-o", "--output", "-X", "--request"}
    | {"-u", "--user", "-A", "--user-agent", "-e", "--referer", "-b", "--cookie", "-c"}
    | {"--cookie-jar", "-x", "--proxy", "-w", "--write-out", "-m", "--max-time", "-K"}
    | {"--config", "-E", "--cert", "--key", "--cacert", "-r", "--range", "--retry", "-U"}
    | {"--proxy-user", "--resolve", "--connect-to", "--connect-timeout", "--url"}
)
_WGET_VALUES = frozenset(
    {"-O", "--output-document", "-o", "--output-file", "-P", "-U", "--user-agent", "-e"}
    | {"--header", "--post-data", "--post-file", "--body-data", "--body-file", "--method"}
)
_NC_VALUES = frozenset({"-p", "-s", "-w", "-i", "-q", "-X", "-x", "-e", "-c", "-W", "-T", "-O"})
_SCP_VALUES = frozenset({"-P", "-i", "-o", "-F", "-c", "-l", "-S", "-J"})
_RSYNC_VALUES = frozenset({"-e", "--rsh", "--exclude", "--include", "-f", "--filter", "--port"})
_SOCAT_CONNECT = re.compile(
    r"(?:tcp[46]?|udp[46]?|openssl|ssl|tcp-connect|udp-sendto|udp-connect):([^:,]+)", re.I
)
_DEV_NET = re.compile(r"/dev/(?:tcp|udp)/([^/\s]+)/")
_RUNS_SUBSTITUTION = re.compile(r"\$\(|`")


class Exfiltration:
    """scp/rsync/sftp to a remote host, curl uploads, nc/socat, wget --post-file, /dev/tcp."""

    id = "exfiltration"
    weight = 70
    contextual = False  # it reads context.egress_allow_list, which is part of the cache key

    def evaluate(self, command: ParsedCommand, context: RiskContext) -> RiskFinding | None:
        worst: tuple[int, str | None] = (0, "")
        for part in dict.fromkeys(command.parts):  # each distinct part once
            for score, host in _sends(part):
                if host is not None and is_allowed(host, context.egress_allow_list):
                    continue
                if score > worst[0] or (score == worst[0] and host is None):
                    worst = (score, host)
        score, host = worst
        if not score:
            return None
        if host is None:
            return RiskFinding(self.id, score, "Sends data to a host the command does not name.")
        return RiskFinding(
            self.id, score, f"Sends data to {host}, which is not on the egress allow-list."
        )


def _sends(part: str) -> _Sends:
    cmd = command_of(part)
    check = _CHECKS.get(cmd[0]) if cmd else None
    found = check(cmd[1:]) if check else []
    found += [(70, _host_or_none(h)) for h in _DEV_NET.findall(" ".join(words(part)))]
    return found


def _curl(args: tuple[str, ...]) -> _Sends:
    data = option_values(args, _CURL_DATA)
    encoded = option_values(args, frozenset({"--data-urlencode"}))
    forms = option_values(args, _CURL_FORM)
    uploads = (
        bool(option_values(args, _CURL_UPLOAD))
        or any(map(_reads_file, data))
        or any("@" in e and "=" not in e for e in encoded)  # name@file
        or any("=@" in f or "=<" in f for f in forms)
    )
    if not uploads:
        return []
    urls = operands(args, _CURL_VALUES) + option_values(args, frozenset({"--url"}))
    return [(70, _host_or_none(url_host(u))) for u in urls] or [(70, None)]


def _reads_file(data: str) -> bool:
    # "@file" and "@-" send a file or stdin; "$(cat file)" sends whatever it prints.
    return data.startswith("@") or bool(_RUNS_SUBSTITUTION.search(data))


def _wget(args: tuple[str, ...]) -> _Sends:
    files = option_values(args, frozenset({"--post-file", "--body-file"}))
    posted = option_values(args, frozenset({"--post-data", "--body-data"}))
    if not files and not any(_RUNS_SUBSTITUTION.search(d) for d in posted):
        return []
    urls = operands(args, _WGET_VALUES)
    return [(70, _host_or_none(url_host(u))) for u in urls] or [(70, None)]


def _netcat(args: tuple[str, ...]) -> _Sends:
    flags = short_flags(args)
    if "l" in flags or "z" in flags or "--listen" in args:
        return []  # listening (data comes in) or only probing a port
    hosts = operands(args, _NC_VALUES)[:1]
    return [(60, _host_or_none(url_host(h))) for h in hosts]


def _socat(args: tuple[str, ...]) -> _Sends:
    found = [h for a in plain_args(args) for h in _SOCAT_CONNECT.findall(a)]
    return [(60, _host_or_none(h.lower())) for h in found]


def _copies_out(takes_value: frozenset[str]) -> Callable[[tuple[str, ...]], _Sends]:
    def check(args: tuple[str, ...]) -> _Sends:
        paths = operands(args, takes_value)
        if len(paths) < 2 or remote_path_host(paths[-1]) is None:
            return []  # a local destination: a download or a local copy
        return [(60, _host_or_none(remote_path_host(paths[-1])))]

    return check


def _sftp(args: tuple[str, ...]) -> _Sends:
    hosts = operands(args, _SCP_VALUES | {"-b", "-B", "-R", "-s"})[:1]
    return [(50, _host_or_none(url_host(h.rpartition("@")[2].split(":")[0]))) for h in hosts]


def _host_or_none(host: str | None) -> str | None:
    return host if host and "$" not in host else None


_CHECKS: dict[str, Callable[[tuple[str, ...]], _Sends]] = {
    "curl": _curl,
    "wget": _wget,
    "nc": _netcat,
    "ncat": _netcat,
    "netcat": _netcat,
    "socat": _socat,
    "scp": _copies_out(_SCP_VALUES),
    "rsync": _copies_out(_RSYNC_VALUES),
    "sftp": _sftp,
}
