"""Hosts named in a command, and whether an egress allow-list covers them."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

# user@host:path (scp, rsync), host::module (rsync); not /abs:path nor ./rel:path.
_REMOTE_PATH = re.compile(r"(?:[^@/:\s]+@)?(\[[^\]/]+\]|[^@/:\s]+):")


def url_host(arg: str) -> str | None:
    """The host of a URL or bare ``host[:port][/path]``, lower case; None if there is none."""
    try:
        host = urlsplit(arg if "://" in arg else "//" + arg).hostname
    except ValueError:  # a malformed [IPv6] literal
        return None
    return host.rstrip(".") if host else None


def remote_path_host(arg: str) -> str | None:
    """The host of an scp/rsync location ``[user@]host:path`` or ``rsync://host/path``."""
    if "://" in arg:
        return url_host(arg)
    if arg.startswith(("/", "./", "../", "~")):
        return None
    found = _REMOTE_PATH.match(arg)
    return found[1].strip("[]").lower().rstrip(".") if found else None


def is_allowed(host: str, allow_list: tuple[str, ...]) -> bool:
    """Whether data may go to ``host``: loopback, or on the list (an exact name, or a
    suffix written with a leading dot: ".corp.example" covers "a.corp.example" and
    "corp.example"). A host that cannot be read (``$HOST``) is never allowed."""
    host = host.lower().rstrip(".")
    if not host or not re.fullmatch(r"[a-z0-9._:\-]+", host):
        return False
    if host == "localhost" or _is_loopback(host):
        return True
    for entry in allow_list:
        entry = entry.strip().lower().rstrip(".")
        if entry.startswith("."):
            if host.endswith(entry) or host == entry[1:]:
                return True
        elif entry and host == entry:
            return True
    return False


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
