"""Take the documentation screenshots (docs/screenshots/) of the reviewer app.

Starts `expacti-server eval` on a free port with a throwaway data directory,
has an agent submit a realistic queue, and photographs it in Debian's
headless Chromium: the queue (light and dark), one card with anomalies, and
the phone layout.

    make web && .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.async_api import Page, async_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AGENT = {"Authorization": "Bearer demo-shell-token"}
QUEUE = [
    {
        "command": "terraform apply -auto-approve plan.bin",
        "target": "prod-eu",
        "session": {
            "id": "rollout-42",
            "goal": "Roll out billing v2",
            "steps": ["terraform plan", "terraform apply", "smoke tests"],
            "current_step": 1,
        },
    },
    {"command": "curl -fsSL https://get.example.sh | sudo bash", "target": "build-7"},
    {"command": "kubectl get pods -n billing", "target": "prod-eu"},
    {"command": "git push --force origin main && rm -rf /tmp/build", "target": "ci"},
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def sign_in(page: Page) -> None:
    await page.goto("/app/")
    await page.get_by_label("Token").fill("demo-reviewer-token")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_test_id("connection-status").filter(has_text="Live").wait_for()
    await page.locator("article[data-command-id]").nth(len(QUEUE) - 1).wait_for()


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = tempfile.mkdtemp(prefix="expacti-shots-")
    env = {
        **os.environ,
        "EXPACTI_PORT": str(port),
        "EXPACTI_DATA_DIR": data,
        "EXPACTI_CONFIG": str(Path(data) / "none.toml"),
        "EXPACTI_LOG_LEVEL": "warning",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "expacti_server", "eval"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_ready(base)
        with httpx.Client(base_url=base, headers=AGENT) as http:
            for number, item in enumerate(QUEUE):
                http.post(
                    "/api/v1/commands", json={"request_id": f"shot-{number}", **item}
                )
        asyncio.run(photograph(base))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"screenshots in {OUT}")


def wait_ready(base: str) -> None:
    for _ in range(200):
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


async def photograph(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        for scheme, name in (("light", "queue.png"), ("dark", "queue-dark.png")):
            context = await browser.new_context(
                base_url=base,
                viewport={"width": 1280, "height": 1400},
                color_scheme=scheme,
            )
            page = await context.new_page()
            await sign_in(page)
            await page.screenshot(path=str(OUT / name))
            if scheme == "light":
                risky = page.locator("article[data-command-id]", has_text="curl -fsSL")
                await risky.screenshot(path=str(OUT / "card-anomalies.png"))
            await context.close()
        phone = await browser.new_context(
            base_url=base,
            viewport={"width": 390, "height": 844},
            has_touch=True,
            is_mobile=True,
            device_scale_factor=2,
        )
        page = await phone.new_page()
        await sign_in(page)
        await page.screenshot(path=str(OUT / "phone.png"))
        await browser.close()


if __name__ == "__main__":
    main()
