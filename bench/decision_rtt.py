"""Round trip of a whitelisted command through the full server, beside a bare echo server.

Both are measured in the same run, with the same client, the same frame and the
same event loop (uvloop), alternating in rounds so that noise on this shared
machine hits both alike. The result is the ratio of the medians.

    .venv/bin/python bench/decision_rtt.py [--rounds 10] [--per-round 1000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import uvloop
import websockets
from expacti_server.db.engine import Database
from expacti_server.db.migrate import upgrade_to_head
from expacti_server.identity.secrets import CredentialKind
from expacti_server.identity.service import issue_credential

HERE = Path(__file__).parent
COMMAND = "git status --short"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def _server_cpu() -> None:
    # Both servers on the same core, the client on another: the two
    # measurements then share one placement instead of whatever the scheduler
    # picks, which on a 2-core machine swings the baseline by 2x.
    cpus = _cpus()
    if len(cpus) > 1:
        os.sched_setaffinity(0, {cpus[-1]})


def _client_cpu() -> None:
    cpus = _cpus()
    if len(cpus) > 1:
        os.sched_setaffinity(0, {cpus[0]})


def wait_for(url: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} never became ready")


async def prepare(database_url: str) -> tuple[str, str]:
    """Create an org with an agent and a reviewer; return their tokens."""
    database = Database(database_url)
    await upgrade_to_head(database)
    async with database.write() as conn:
        agent = await issue_credential(
            conn,
            org_name="bench",
            kind=CredentialKind.AGENT_TOKEN,
            principal_name="bench-agent",
        )
        reviewer = await issue_credential(
            conn,
            org_name="bench",
            kind=CredentialKind.REVIEWER_TOKEN,
            principal_name="bench",
        )
    await database.dispose()
    return agent.secret, reviewer.secret


async def measure(
    connection: websockets.ClientConnection, frames: list[str], reply_type: str
) -> list[float]:
    samples = []
    for frame in frames:
        start = time.perf_counter_ns()
        await connection.send(frame)
        reply = await connection.recv()
        samples.append((time.perf_counter_ns() - start) / 1000.0)
        if reply_type and json.loads(reply)["type"] != reply_type:
            raise RuntimeError(f"unexpected reply: {reply!r}")
    return samples


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(args: argparse.Namespace) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix="expacti-bench-"))
    database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    agent_token, reviewer_token = await prepare(database_url)
    server_port, echo_port = free_port(), free_port()
    env = {
        **os.environ,
        "EXPACTI_DATABASE_URL": database_url,
        "EXPACTI_PORT": str(server_port),
        "EXPACTI_LOG_LEVEL": "warning",
        "EXPACTI_CONFIG": str(workdir / "none.toml"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "expacti_server", "serve"], env=env, preexec_fn=_server_cpu
    )
    echo = subprocess.Popen(
        [sys.executable, str(HERE / "echo_server.py"), str(echo_port)],
        stdout=subprocess.PIPE,
        preexec_fn=_server_cpu,
    )
    try:
        wait_for(f"http://127.0.0.1:{server_port}/readyz")
        assert echo.stdout is not None
        assert echo.stdout.readline().strip() == b"ready"
        httpx.post(
            f"http://127.0.0.1:{server_port}/api/v1/whitelist",
            json={"pattern": COMMAND},
            headers={"Authorization": f"Bearer {reviewer_token}"},
        ).raise_for_status()
        full = await websockets.connect(
            f"ws://127.0.0.1:{server_port}/shell/ws",
            additional_headers={"Authorization": f"Bearer {agent_token}"},
            compression=None,
        )
        await full.recv()  # hello
        bare = await websockets.connect(f"ws://127.0.0.1:{echo_port}", compression=None)
        counter = 0

        def frames(n: int) -> list[str]:
            nonlocal counter
            batch = []
            for _ in range(n):
                counter += 1
                batch.append(
                    json.dumps(
                        {
                            "type": "submit",
                            "request_id": f"b-{counter}",
                            "command": COMMAND,
                        }
                    )
                )
            return batch

        await measure(full, frames(args.warmup), "decision")
        await measure(bare, frames(args.warmup), "")
        server_samples: list[float] = []
        echo_samples: list[float] = []
        for _ in range(args.rounds):
            echo_samples += await measure(bare, frames(args.per_round), "")
            server_samples += await measure(full, frames(args.per_round), "decision")
        await full.close()
        await bare.close()
    finally:
        for process in (server, echo):
            process.terminate()
            process.wait(timeout=30)
    result = {
        "echo_p50_us": percentile(echo_samples, 0.50),
        "echo_p99_us": percentile(echo_samples, 0.99),
        "server_p50_us": percentile(server_samples, 0.50),
        "server_p99_us": percentile(server_samples, 0.99),
        "samples_each": float(len(server_samples)),
        "server_mean_us": statistics.fmean(server_samples),
    }
    result["ratio_p50"] = result["server_p50_us"] / result["echo_p50_us"]
    result["ratio_p99"] = result["server_p99_us"] / result["echo_p99_us"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    _client_cpu()
    result = uvloop.run(run(args))
    if args.json:
        print(json.dumps(result))
        return
    r = result
    rows = [
        ("bare websockets echo", r["echo_p50_us"], r["echo_p99_us"], "us"),
        ("expacti full server", r["server_p50_us"], r["server_p99_us"], "us"),
        ("ratio (server / echo)", r["ratio_p50"], r["ratio_p99"], "x"),
    ]
    print(f"whitelisted decision round trip, {int(r['samples_each'])} samples each")
    for label, p50, p99, unit in rows:
        print(f"  {label:<22} p50 {p50:8.2f} {unit:<2}   p99 {p99:8.2f} {unit}")


if __name__ == "__main__":
    main()
