"""A stand-in for the server's HTTP API on 127.0.0.1: one canned answer to every GET."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class HttpPeer:
    """Where it listens, and each request it saw as (path, Authorization header)."""

    port: int
    seen: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ws_url(self) -> str:
        """The WebSocket URL whose HTTP API is this peer."""
        return f"ws://127.0.0.1:{self.port}/shell/ws"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def http_peer(status: int, body: Any) -> Iterator[HttpPeer]:
    """Answer every GET with ``status`` and ``body`` (JSON-encoded unless bytes)."""
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            peer.seen.append((self.path, self.headers.get("Authorization", "")))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    peer = HttpPeer(port=server.server_address[1])
    # A short poll: shutdown() waits for it, and the default 0.5 s adds up over a suite.
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()
