"""How fast a new command reaches a reviewer: on the queue socket, and as a card in Chromium.

Three figures, all from one run against one server on SQLite:

* baseline: a bare ``websockets`` echo round trip (the same machine, loop and client);
* socket: an agent's submit until the reviewer socket receives the ``pending`` frame;
* browser: the same submit until the card is in the DOM of the real web app in
  Debian's headless Chromium (a MutationObserver reports through a Playwright binding).

The target is 100 ms from submission to a visible card.

    .venv/bin/python bench/queue_push.py [--samples 300] [--browser-samples 100]

Needs the web app built (``make web``) and /usr/bin/chromium (``make test`` installs both).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets
from playwright.async_api import async_playwright

from decision_rtt import HERE, free_port, percentile, prepare, wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
OBSERVER = """
new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (!(node instanceof Element)) continue;
      const cards = node.matches("article[data-command-id]")
        ? [node] : node.querySelectorAll("article[data-command-id]");
      for (const card of cards) window.cardSeen(card.dataset.commandId);
    }
  }
}).observe(document, { childList: true, subtree: true });
"""


async def echo_samples(port: int, count: int) -> list[float]:
    samples = []
    async with websockets.connect(f"ws://127.0.0.1:{port}", compression=None) as bare:
        frame = json.dumps({"type": "submit", "request_id": "x", "command": "echo"})
        for _ in range(count):
            start = time.perf_counter_ns()
            await bare.send(frame)
            await bare.recv()
            samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


async def socket_samples(port: int, agent: str, reviewer: str, count: int) -> list[float]:
    auth = {"Authorization": f"Bearer {reviewer}"}
    samples = []
    async with (
        websockets.connect(
            f"ws://127.0.0.1:{port}/shell/ws",
            additional_headers={"Authorization": f"Bearer {agent}"},
        ) as agent_ws,
        websockets.connect(
            f"ws://127.0.0.1:{port}/api/v1/reviewer/ws", additional_headers=auth
        ) as screen,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=auth) as http,
    ):
        await agent_ws.recv()  # hello
        await screen.recv()  # snapshot
        for number in range(count):
            start = time.perf_counter_ns()
            await agent_ws.send(
                json.dumps(
                    {"type": "submit", "request_id": f"s-{number}", "command": "make deploy"}
                )
            )
            while True:
                frame = json.loads(await screen.recv())
                if frame["type"] == "pending":
                    break
            samples.append((time.perf_counter_ns() - start) / 1e6)
            accepted = json.loads(await agent_ws.recv())
            await http.post(f"/api/v1/commands/{accepted['command_id']}/deny")
            await agent_ws.recv()  # the decision
            await screen.recv()  # the decided frame
    return samples


async def browser_samples(port: int, agent: str, reviewer: str, count: int) -> list[float]:
    base = f"http://127.0.0.1:{port}"
    samples = []
    seen: dict[str, asyncio.Future[int]] = {}
    loop = asyncio.get_running_loop()

    def card_seen(command_id: str) -> None:
        now = time.perf_counter_ns()
        future = seen.setdefault(command_id, loop.create_future())
        if not future.done():
            future.set_result(now)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(base_url=base)
        await page.expose_function("cardSeen", card_seen)
        await page.add_init_script(OBSERVER)
        await page.goto("/app/")
        await page.get_by_label("Token").fill(reviewer)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_test_id("connection-status").filter(has_text="Live").wait_for()
        async with (
            websockets.connect(
                f"ws://127.0.0.1:{port}/shell/ws",
                additional_headers={"Authorization": f"Bearer {agent}"},
            ) as agent_ws,
            httpx.AsyncClient(
                base_url=base, headers={"Authorization": f"Bearer {reviewer}"}
            ) as http,
        ):
            await agent_ws.recv()  # hello
            for number in range(count):
                start = time.perf_counter_ns()
                await agent_ws.send(
                    json.dumps(
                        {"type": "submit", "request_id": f"b-{number}", "command": "make deploy"}
                    )
                )
                accepted = json.loads(await agent_ws.recv())
                command_id = accepted["command_id"]
                arrived = await asyncio.wait_for(
                    seen.setdefault(command_id, loop.create_future()), 10
                )
                samples.append((arrived - start) / 1e6)
                await http.post(f"/api/v1/commands/{command_id}/deny")
                await agent_ws.recv()  # the decision
                await page.locator(f'article[data-command-id="{command_id}"]').wait_for(
                    state="detached"
                )
        await browser.close()
    return samples


async def run(args: argparse.Namespace) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix="expacti-bench-"))
    database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    agent, reviewer = await prepare(database_url)
    port, echo_port = free_port(), free_port()
    env = {
        **os.environ,
        "EXPACTI_DATABASE_URL": database_url,
        "EXPACTI_PORT": str(port),
        "EXPACTI_LOG_LEVEL": "warning",
        "EXPACTI_CONFIG": str(workdir / "none.toml"),
        "EXPACTI_MAX_PENDING_PER_AGENT": "100000",
    }
    server = subprocess.Popen([sys.executable, "-m", "expacti_server", "serve"], env=env)
    echo = subprocess.Popen(
        [sys.executable, str(HERE / "echo_server.py"), str(echo_port)], stdout=subprocess.PIPE
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/readyz")
        assert echo.stdout is not None
        assert echo.stdout.readline().strip() == b"ready"
        baseline = await echo_samples(echo_port, args.samples)
        socket = await socket_samples(port, agent, reviewer, args.samples)
        browser = await browser_samples(port, agent, reviewer, args.browser_samples)
    finally:
        for process in (server, echo):
            process.terminate()
            process.wait(timeout=30)
    result = {}
    for name, samples in (("echo", baseline), ("socket", socket), ("browser", browser)):
        result[f"{name}_p50_ms"] = percentile(samples, 0.50)
        result[f"{name}_p99_ms"] = percentile(samples, 0.99)
    result["socket_ratio_p50"] = result["socket_p50_ms"] / result["echo_p50_ms"]
    result["browser_ratio_p50"] = result["browser_p50_ms"] / result["echo_p50_ms"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--browser-samples", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result))
        return
    r = result
    print("new command reaching a reviewer (ms)")
    for label, key in (
        ("bare websockets echo", "echo"),
        ("submit -> queue socket", "socket"),
        ("submit -> card in Chromium", "browser"),
    ):
        print(f"  {label:<27} p50 {r[key + '_p50_ms']:7.2f}   p99 {r[key + '_p99_ms']:7.2f}")
    print(
        f"  ratio to echo (p50): socket {r['socket_ratio_p50']:.1f}x, "
        f"browser {r['browser_ratio_p50']:.1f}x; target: card within 100 ms"
    )


if __name__ == "__main__":
    main()
