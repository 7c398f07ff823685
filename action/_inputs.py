"""The action's inputs, read from ``INPUT_*`` variables and checked before anything runs.

Kept to syntax Python 3.7 parses (see ``_workflow``).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "InputError",
    "command",
    "is_loopback",
    "package",
    "require",
    "target",
    "timeout",
    "token",
    "websocket_url",
]

# The protocol's ceiling for timeout_seconds. The SDK's MAX_TIMEOUT_SECONDS, which the check
# step cannot import (it runs before the SDK is installed); a test keeps the two equal.
MAX_TIMEOUT = 600.0
MAX_TARGET = 255
_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}
_AGENT_PATH = "/shell/ws"


class InputError(ValueError):
    """An input is missing or invalid; nothing was sent to the server."""


def require(env: Mapping[str, str], name: str) -> str:
    """The input ``name``; an error when it is empty (the runner does not enforce
    ``required: true`` for composite actions, it only warns)."""
    value = env.get(f"INPUT_{name.upper()}", "")
    if not value.strip():
        raise InputError(f"the {name} input is required and was empty")
    return value


def command(env: Mapping[str, str]) -> str:
    """The command line, exactly as given: reviewers approve this text."""
    value = require(env, "command")
    if "\x00" in value:
        raise InputError("the command input contains a NUL character")
    return value


def token(value: str) -> str:
    """The agent token ``value``, checked; the message never contains it."""
    if not value:
        raise InputError(
            "the shell_token input is required and was empty: pass an agent token from a "
            "secret (an unset secret is passed as an empty string)"
        )
    if not value.isprintable() or any(ch.isspace() for ch in value):
        raise InputError("the shell_token input contains whitespace or control characters")
    return value


def timeout(env: Mapping[str, str]) -> float:
    """Seconds a reviewer has to decide: more than 0 and at most MAX_TIMEOUT."""
    text = env.get("INPUT_TIMEOUT", "").strip()
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"the timeout input is not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or not 0 < value <= MAX_TIMEOUT:
        raise InputError(
            f"the timeout input must be more than 0 and at most {MAX_TIMEOUT:g}, not {text}"
        )
    return value


def target(env: Mapping[str, str]) -> str | None:
    """The host, cluster or environment the command is for; None when not given."""
    value = env.get("INPUT_TARGET", "").strip()
    if not value:
        return None
    if len(value) > MAX_TARGET or not value.isprintable():
        raise InputError("the target input must be one line of at most 255 characters")
    return value


def package(env: Mapping[str, str]) -> str:
    """The pip requirement to install; never an option (``-r file``, ``--index-url``)."""
    value = require(env, "package").strip()
    if value.startswith("-") or not value.isprintable():
        raise InputError("the package input must be one pip requirement, not an option")
    return value


def websocket_url(text: str) -> str:
    """The agent WebSocket URL for the server at ``text``.

    ``https://host[/prefix]`` becomes ``wss://host[/prefix]/shell/ws`` (``http`` gives
    ``ws``); a ws(s) URL already ending in ``/shell/ws`` is kept as it is.
    """
    text = text.strip()
    parts = urlsplit(text)
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.hostname:
        raise InputError(
            "the backend_url input must be the server's http(s):// base URL or its "
            f"ws(s)://…/shell/ws URL, not {text!r}"
        )
    if parts.username is not None or parts.password is not None:
        # A secret in a URL ends up in logs; the token has its own, masked input.
        raise InputError("the backend_url input must not contain a user name or password")
    if parts.query or parts.fragment:
        raise InputError("the backend_url input must not have a query or a fragment")
    path = parts.path.rstrip("/")
    if not path.endswith(_AGENT_PATH):
        path += _AGENT_PATH
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def is_loopback(url: str) -> bool:
    """Whether ``url`` points at this machine (where plain ws:// exposes nothing)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
