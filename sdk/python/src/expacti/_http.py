"""The few HTTP calls the SDK makes beside its WebSocket, with the agent token.

``GET /api/v1/keys`` (encryption) and ``GET /api/v1/oversight``: the standard library's
urllib in a worker thread, so the only dependency stays ``websockets``.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from ._errors import (
    ExpactiAuthenticationError,
    ExpactiConnectionError,
    ExpactiError,
    ExpactiProtocolError,
)
from ._version import __version__

__all__ = ["api_url", "error_message", "get", "get_async"]

MAX_BODY_BYTES: Final = 4 << 20


def api_url(ws_url: str, path: str) -> str:
    """The HTTP URL of ``path`` beside a WebSocket URL (ws→http, wss→https).

    A server mounted under a prefix (``wss://h/expacti/shell/ws``) keeps it.
    """
    parts = urlsplit(ws_url)
    scheme = "https" if parts.scheme == "wss" else "http"
    base = parts.path.rstrip("/")
    prefix = base[: -len("/shell/ws")] if base.endswith("/shell/ws") else ""
    return urlunsplit((scheme, parts.netloc, f"{prefix}{path}", "", ""))


async def get_async(
    url: str, token: str, *, timeout: float, what: str, missing: Callable[[str], ExpactiError]
) -> bytes:
    """``get()`` in a worker thread."""
    return await asyncio.to_thread(get, url, token, timeout=timeout, what=what, missing=missing)


def get(
    url: str, token: str, *, timeout: float, what: str, missing: Callable[[str], ExpactiError]
) -> bytes:
    """GET ``url`` with the agent token; the body of a 2xx answer.

    ``what`` names the resource in messages ("the reviewer key list"). 401/403 raise
    ExpactiAuthenticationError, 404 ``missing(url)`` (the server predates the endpoint),
    other statuses and network failures ExpactiConnectionError, a body over 4 MiB
    ExpactiProtocolError.
    """
    request = urllib.request.Request(  # noqa: S310 - api_url() only makes http(s) URLs
        url,
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": f"expacti-python/{__version__}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body: bytes = response.read(MAX_BODY_BYTES + 1)
    except urllib.error.HTTPError as exc:
        reason = error_message(_read_error_body(exc))
        why = f": {reason}" if reason else ""
        if exc.code in (401, 403):
            raise ExpactiAuthenticationError(
                f"the server refused the token when asked for {what} (HTTP {exc.code}{why})",
                status_code=exc.code,
            ) from None
        if exc.code == 404:
            raise missing(url) from None
        raise ExpactiConnectionError(f"asking for {what} failed: HTTP {exc.code}{why}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise ExpactiConnectionError(f"could not fetch {what} from {url}: {exc}") from None
    if len(body) > MAX_BODY_BYTES:
        raise ExpactiProtocolError(f"{what} is implausibly large")
    return body


def _read_error_body(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read(64 << 10)
    except (OSError, ValueError, AttributeError):  # no body, or it is gone already
        return b""
    finally:
        exc.close()


def error_message(body: bytes | bytearray | None) -> str | None:
    """The ``error.message`` of a JSON error body, on one line, if the body is one."""
    if not body:  # websockets < 14 may give None
        return None
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError, RecursionError):
        return None
    message = error.get("message") if isinstance(error, dict) else None
    return " ".join(message.split()) if isinstance(message, str) and message.strip() else None
