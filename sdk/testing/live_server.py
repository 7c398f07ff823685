"""The real expacti server for an SDK's live tests, behind a proxy the tests can cut.

    python sdk/testing/live_server.py -- go test -tags live ./...

Starts the server from this checkout (SQLite in a temporary directory, a free loopback
port), makes two organisations' tokens, puts a TCP proxy in front of the server and a small
control API beside it, then runs the command with EXPACTI_LIVE_* in its environment and
exits with its status. Every SDK's live tests use it, so they all meet the same server the
same way, whatever their language. The control API acts as the organisation's reviewer over
the server's own HTTP API (never on its database) and cuts connections for the
reconnect-and-resume tests; docs/SDKS.md ("How the SDKs are tested") describes it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

LIVE_ORG = "sdk-live"
VECTORS_ORG = "sdk-vectors"
REVIEWER_NAME = "sdk-reviewer"
READY_SECONDS = 60.0
POLL_SECONDS = 0.05
DEFAULT_WAIT_SECONDS = 15.0
MAX_WAIT_SECONDS = 60.0
MAX_REFUSE_SECONDS = 10.0
LOG_TAIL_LINES = 60

JSON = dict[str, Any]


class HarnessError(Exception):
    """The harness could not do what a test asked; the control API answers it as a 4xx."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServerProcess:
    """`python -m expacti_server serve` on a throwaway data directory."""

    def __init__(self, python: str, data_dir: Path) -> None:
        self.python = python
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "server.log"
        self._process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "EXPACTI_DATABASE_URL": f"sqlite+aiosqlite:///{self.data_dir / 'db.sqlite'}",
            "EXPACTI_DATA_DIR": str(self.data_dir),
            "EXPACTI_PORT": str(self.port),
            "EXPACTI_HOST": "127.0.0.1",
            # A config file that does not exist: only these settings and the defaults count.
            "EXPACTI_CONFIG": str(self.data_dir / "absent.toml"),
            "EXPACTI_LOG_LEVEL": "warning",
        }

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [self.python, "-m", "expacti_server", "serve"],
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        give_up = time.monotonic() + READY_SECONDS
        while time.monotonic() < give_up:
            if self._process.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self.log()}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response,  # noqa: S310
            ):
                if response.status == HTTPStatus.OK:
                    return
            time.sleep(POLL_SECONDS)
        raise RuntimeError(f"the server was not ready in {READY_SECONDS:.0f} s:\n{self.log()}")

    def create_token(self, role: str, name: str, org: str) -> str:
        """A new token, printed once by `token create` (the first call creates the org)."""
        arguments = ["token", "create", "--role", role, "--name", name, "--org", org]
        done = subprocess.run(  # noqa: S603
            [self.python, "-m", "expacti_server", *arguments],
            env=self.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        token = done.stdout.strip()
        if done.returncode != 0 or not token or any(c.isspace() for c in token):
            raise RuntimeError(f"token create failed ({done.returncode}): {done.stderr}")
        return token

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


class CuttableProxy:
    """A TCP proxy to the server whose connections the tests can drop at will.

    A cut shuts every proxied connection down in both directions (the client sees its
    WebSocket or HTTP request end without a close frame or a response, as when a network
    path dies); for `refuse_seconds` after it, new connections are reset as soon as they are
    accepted, so a client cannot reconnect before the test has done what it must.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._refuse_until = 0.0
        self._closed = False

    def start(self) -> None:
        threading.Thread(target=self._accept_loop, name="proxy-accept", daemon=True).start()

    def cut(self, refuse_seconds: float) -> int:
        with self._lock:
            self._refuse_until = time.monotonic() + refuse_seconds
            victims = list(self._open)
            self._open.clear()
        for sock in victims:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        # Each connection is two sockets; count connections, not sockets.
        return len(victims) // 2

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()
        self.cut(0)

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                refusing = time.monotonic() < self._refuse_until
            if refusing:
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                _reset(client)
                continue
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink), name="proxy-pump", daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        # One side ended: end both, so neither end waits on a half-open connection.
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with self._lock:
                self._open.discard(sock)
        with contextlib.suppress(OSError):
            source.close()


def _reset(sock: socket.socket) -> None:
    """Close with an RST (linger 0), as a host refusing the connection would."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()


class Reviewer:
    """The live organisation's reviewer, over the server's HTTP API."""

    def __init__(self, server_url: str, token: str) -> None:
        self.server_url = server_url
        self.token = token

    def call(self, method: str, path: str, body: JSON | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - a loopback http URL we built
            self.server_url + path, data=data, method=method
        )
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                text = response.read().decode()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            raise HarnessError(
                HTTPStatus.CONFLICT, f"{method} {path}: HTTP {exc.code} {detail}"
            ) from exc
        return json.loads(text) if text else None

    def commands(self, text: str, status: str | None = None) -> list[JSON]:
        """Commands whose text is exactly `text`, newest first."""
        query = {"q": text, "limit": "500"}
        if status is not None:
            query["status"] = status
        page = self.call("GET", "/api/v1/commands?" + urllib.parse.urlencode(query))
        return [item for item in page["items"] if item["command"] == text]

    def decide(self, command_id: str, action: str, note: str | None, edit: str | None) -> JSON:
        body: JSON = {}
        if note is not None:
            body["note"] = note
        if edit is not None:
            body["command"] = edit
        decided: JSON = self.call("POST", f"/api/v1/commands/{command_id}/{action}", body)
        return decided

    def whitelist(self, pattern: str) -> JSON:
        rule: JSON = self.call("POST", "/api/v1/whitelist", {"pattern": pattern, "type": "exact"})
        return rule


def wait_for(what: Callable[[], JSON | None], seconds: float, missing: str) -> JSON:
    give_up = time.monotonic() + seconds
    while True:
        found = what()
        if found is not None:
            return found
        if time.monotonic() >= give_up:
            raise HarnessError(HTTPStatus.NOT_FOUND, missing)
        time.sleep(POLL_SECONDS)


class Control:
    """What the control API does; each method answers one route."""

    def __init__(self, reviewer: Reviewer, proxy: CuttableProxy) -> None:
        self.reviewer = reviewer
        self.proxy = proxy

    def decide(self, body: JSON) -> JSON:
        text = _text(body, "command")
        action = body.get("action")
        if action not in ("approve", "deny"):
            raise HarnessError(HTTPStatus.BAD_REQUEST, 'action must be "approve" or "deny"')
        note, edit = body.get("note"), body.get("edit")
        if not isinstance(note, str | None) or not isinstance(edit, str | None):
            raise HarnessError(HTTPStatus.BAD_REQUEST, "note and edit must be strings")
        if edit is not None and action != "approve":
            raise HarnessError(HTTPStatus.BAD_REQUEST, "only an approval can edit")

        def pending() -> JSON | None:
            found = self.reviewer.commands(text, status="pending")
            return found[0] if found else None

        command = wait_for(pending, _seconds(body.get("wait")), f"{text!r} never became pending")
        return self.reviewer.decide(command["id"], action, note, edit)

    def command(self, query: dict[str, list[str]]) -> JSON:
        text = _text({"text": query.get("text", [None])[0]}, "text")
        status = query.get("status", [None])[0]
        wait = _seconds(query.get("wait", [None])[0]) if status is not None else 0.0

        def newest() -> JSON | None:
            found = self.reviewer.commands(text)
            if not found or (status is not None and found[0]["status"] != status):
                return None
            return {"command": found[0], "count": len(found)}

        return wait_for(newest, wait, f"no command {text!r}" + (f" {status}" if status else ""))

    def whitelist(self, body: JSON) -> JSON:
        return self.reviewer.whitelist(_text(body, "pattern"))

    def cut(self, body: JSON) -> JSON:
        refuse = body.get("refuse_seconds", 0)
        if not isinstance(refuse, int | float) or isinstance(refuse, bool):
            raise HarnessError(HTTPStatus.BAD_REQUEST, "refuse_seconds must be a number")
        if not 0 <= refuse <= MAX_REFUSE_SECONDS:
            raise HarnessError(
                HTTPStatus.BAD_REQUEST, f"refuse_seconds is 0 to {MAX_REFUSE_SECONDS}"
            )
        return {"cut": self.proxy.cut(float(refuse))}


def _text(body: JSON, field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value:
        raise HarnessError(HTTPStatus.BAD_REQUEST, f"{field} must be a non-empty string")
    return value


def _seconds(value: object) -> float:
    if value is None:
        return DEFAULT_WAIT_SECONDS
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise HarnessError(HTTPStatus.BAD_REQUEST, "wait must be a number") from None
    if not 0 <= seconds <= MAX_WAIT_SECONDS:
        raise HarnessError(HTTPStatus.BAD_REQUEST, f"wait is 0 to {MAX_WAIT_SECONDS:.0f} seconds")
    return seconds


def control_handler(control: Control) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            if url.path != "/command":
                self._answer(HTTPStatus.NOT_FOUND, {"error": f"no route GET {url.path}"})
                return
            self._run(lambda: control.command(urllib.parse.parse_qs(url.query)))

        def do_POST(self) -> None:
            routes: dict[str, Callable[[JSON], JSON]] = {
                "/decide": control.decide,
                "/whitelist": control.whitelist,
                "/cut": control.cut,
            }
            route = routes.get(self.path)
            if route is None:
                self._answer(HTTPStatus.NOT_FOUND, {"error": f"no route POST {self.path}"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._answer(HTTPStatus.BAD_REQUEST, {"error": "the body is not JSON"})
                return
            if not isinstance(body, dict):
                self._answer(HTTPStatus.BAD_REQUEST, {"error": "the body is not a JSON object"})
                return
            self._run(lambda: route(body))

        def _run(self, action: Callable[[], JSON]) -> None:
            try:
                result = action()
            except HarnessError as exc:
                self._answer(exc.status, {"error": str(exc)})
                return
            created = self.path == "/whitelist"
            self._answer(HTTPStatus.CREATED if created else HTTPStatus.OK, result)

        def _answer(self, status: HTTPStatus, body: JSON) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return  # the test runner's output is what matters

    return Handler


@contextlib.contextmanager
def live_environment(python: str) -> Iterator[tuple[dict[str, str], ServerProcess]]:
    """Everything started; yields the EXPACTI_LIVE_* variables and the server, stops it all."""
    data_dir = Path(tempfile.mkdtemp(prefix="expacti-sdk-live-"))
    server = ServerProcess(python, data_dir)
    proxy: CuttableProxy | None = None
    control_server: ThreadingHTTPServer | None = None
    try:
        # Each `token create` is a Python start of seconds, so the rest overlap: the first
        # one alone creates the database, and each organisation; then the others and the
        # server's own start go side by side.
        agent = server.create_token("agent", "sdk-agent", LIVE_ORG)
        with ThreadPoolExecutor(max_workers=2) as pool:
            reviewer = pool.submit(server.create_token, "reviewer", REVIEWER_NAME, LIVE_ORG)
            vectors = pool.submit(server.create_token, "agent", "sdk-vectors", VECTORS_ORG)
            server.start()
            reviewer_token, vectors_token = reviewer.result(), vectors.result()
        proxy = CuttableProxy(server.port)
        proxy.start()
        control = Control(Reviewer(server.url, reviewer_token), proxy)
        control_server = ThreadingHTTPServer(("127.0.0.1", 0), control_handler(control))
        control_server.daemon_threads = True
        threading.Thread(target=control_server.serve_forever, daemon=True).start()
        yield (
            {
                "EXPACTI_LIVE_URL": f"ws://127.0.0.1:{proxy.port}/shell/ws",
                "EXPACTI_LIVE_HTTP_URL": f"http://127.0.0.1:{proxy.port}",
                "EXPACTI_LIVE_AGENT_TOKEN": agent,
                "EXPACTI_LIVE_VECTORS_TOKEN": vectors_token,
                "EXPACTI_LIVE_CONTROL": f"http://127.0.0.1:{control_server.server_address[1]}",
                "EXPACTI_LIVE_SERVER": server.url,
                "EXPACTI_LIVE_REVIEWER_TOKEN": reviewer_token,
            },
            server,
        )
    except BaseException:
        sys.stderr.write(f"--- expacti server log ---\n{server.log()}\n")
        raise
    finally:
        if control_server is not None:
            control_server.shutdown()
            control_server.server_close()
        if proxy is not None:
            proxy.close()
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def run_tests(command: list[str], live: dict[str, str]) -> int:
    """Run the test command with the live variables; its exit status (128+N if killed)."""
    child = subprocess.Popen(command, env={**os.environ, **live})  # noqa: S603 - the caller's
    forwarded = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in forwarded}
    for sig in forwarded:
        signal.signal(sig, lambda number, _frame: child.send_signal(number))
    try:
        status = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - status if status < 0 else status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the test command")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the test command after --")
    with live_environment(sys.executable) as (live, server):
        status = run_tests(command, live)
        if status != 0:
            tail = "\n".join(server.log().splitlines()[-LOG_TAIL_LINES:])
            sys.stderr.write(f"live_server: {command[0]} exited with {status}\n")
            sys.stderr.write(f"--- the last lines of the expacti server's log ---\n{tail}\n")
        return status


if __name__ == "__main__":
    sys.exit(main())
