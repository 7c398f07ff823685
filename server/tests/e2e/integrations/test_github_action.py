"""The GitHub Action (action/action.yml), its steps run as a runner runs them, against the
real server.

``ActionRunner`` plays the runner: it evaluates the few expression forms action.yml may use
(any other fails the test, so the file cannot drift into syntax nothing here runs), gives
each step fresh GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_ENV files, runs its ``run:``
with ``bash --noprofile --norc -eo pipefail {0}`` (GitHub's ``shell: bash``), stops at the
first step that fails and reads the outputs back. As on GitHub, a composite action's steps
see inputs only through ``${{ inputs.x }}`` in their ``env:``: nothing sets INPUT_* for them.

The action's ``pip install`` runs offline: the job's environment points pip at a wheelhouse
holding the SDK built from sdk/python and websockets repacked from this venv, so the default
``package`` (``expacti==<version>``) resolves exactly as it would from PyPI.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import hashlib
import importlib.metadata
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import tomllib
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from expacti._pending import MAX_TIMEOUT_SECONDS

from tests.support.factories import OrgTokens
from tests.support.server import ServerProcess

ROOT = Path(__file__).resolve().parents[4]
ACTION_DIR = ROOT / "action"
SDK_DIR = ROOT / "sdk" / "python"
BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
STEP_KEYS = {"id", "name", "shell", "env", "run"}
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
COLORS = {"white", "black", "yellow", "blue", "green", "orange", "red", "purple", "gray-dark"}
# Builds the SDK's wheel offline with this venv's hatchling.
PIP_WHEEL = [
    *(sys.executable, "-m", "pip", "wheel", "--quiet"),
    *("--no-deps", "--no-index", "--no-build-isolation"),
]
# Only a guard against a hung step; no assertion depends on how long anything took.
STEP_GUARD_SECONDS = 300
JOB = {
    "CI": "true",
    "GITHUB_ACTIONS": "true",
    "GITHUB_REPOSITORY": "octo/app",
    "GITHUB_WORKFLOW": "deploy",
    "GITHUB_JOB": "release",
    "GITHUB_EVENT_NAME": "push",
    "GITHUB_REF": "refs/heads/main",
    "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
    "GITHUB_ACTOR": "octocat",
    "GITHUB_RUN_ID": "4242",
    "GITHUB_SERVER_URL": "https://github.com",
    "RUNNER_OS": "Linux",
}


# --- the runner ------------------------------------------------------------------------


@dataclass
class StepRun:
    id: str
    status: int
    outputs: dict[str, str]
    summary: str
    env_file: str


@dataclass
class ActionRun:
    steps: list[StepRun]
    log: str
    outputs: dict[str, str]
    step_count: int

    @property
    def succeeded(self) -> bool:
        return len(self.steps) == self.step_count and all(s.status == 0 for s in self.steps)

    @property
    def status(self) -> int:
        return self.steps[-1].status

    @property
    def summary(self) -> str:
        return "".join(step.summary for step in self.steps)

    def annotations(self, level: str) -> list[str]:
        """The messages of ``::level title=expacti::…`` lines, unescaped as the runner does."""
        prefix = f"::{level} title=expacti::"
        return [
            line[len(prefix) :].replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
            for line in self.log.splitlines()
            if line.startswith(prefix)
        ]


@dataclass
class Contexts:
    inputs: dict[str, str]
    action_path: str
    runner_temp: str
    step_ids: list[str]
    steps: dict[str, dict[str, str]] = field(default_factory=dict)


def evaluate(text: str, contexts: Contexts) -> str:
    """Replace the expressions action.yml may use; fail on any other."""

    def value(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        if found := re.fullmatch(r"inputs\.([A-Za-z_][\w-]*)", expression):
            assert found[1] in contexts.inputs, f"undeclared input in {expression!r}"
            return contexts.inputs[found[1]]
        if expression == "github.action_path":
            return contexts.action_path
        if expression == "runner.temp":
            return contexts.runner_temp
        if found := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression):
            assert found[1] in contexts.step_ids, f"no step {found[1]!r} in {expression!r}"
            return contexts.steps.get(found[1], {}).get(found[2], "")
        raise AssertionError(f"expression not supported by this test's runner: {expression!r}")

    return EXPRESSION.sub(value, text)


def read_outputs(text: str) -> dict[str, str]:
    """``name=value`` lines and ``name<<DELIMITER`` heredocs, as the runner reads them."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value: list[str] = []
            for body in lines:
                if body == delimiter:
                    break
                value.append(body)
            else:
                raise AssertionError(f"output {name!r} has no closing delimiter")
            outputs[name] = "\n".join(value)
        elif line:
            name, _, rest = line.partition("=")
            outputs[name] = rest
    return outputs


def action_module(name: str) -> Any:
    """One of the action's modules, imported from action/ under a name of its own."""
    spec = importlib.util.spec_from_file_location(f"action_{name}", ACTION_DIR / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_action() -> dict[str, Any]:
    action: dict[str, Any] = yaml.safe_load((ACTION_DIR / "action.yml").read_text())
    return action


class ActionRunner:
    """Runs action.yml's steps in one job: a workspace, a runner temp, a job environment."""

    def __init__(self, workspace: Path, runner_temp: Path, env: dict[str, str]) -> None:
        self.workspace = workspace
        self.runner_temp = runner_temp
        self.env = env
        self.action = load_action()
        self._lock = threading.Lock()
        self._log: list[str] = []
        self._current: tuple[str, subprocess.Popen[bytes]] | None = None

    def log_so_far(self) -> str:
        """What the steps printed until now (whole lines), for a test waiting on output."""
        with self._lock:
            return "".join(self._log)

    def signal(self, step_id: str, signum: int) -> None:
        """Send ``signum`` to the process of step ``step_id``, as the runner cancels a job."""
        with self._lock:
            assert self._current is not None, "no step is running"
            running, process = self._current
            assert running == step_id, f"step {running!r} is running, not {step_id!r}"
            process.send_signal(signum)

    def run(self, until: str | None = None, **given: str) -> ActionRun:
        """Run the action with the inputs ``given`` (its ``with:``), up to step ``until``."""
        declared: dict[str, Any] = self.action["inputs"]
        unexpected = set(given) - set(declared)
        assert not unexpected, f"inputs the action does not declare: {unexpected}"
        steps: list[dict[str, Any]] = self.action["runs"]["steps"]
        contexts = Contexts(
            inputs={},
            action_path=str(ACTION_DIR),
            runner_temp=str(self.runner_temp),
            step_ids=[step["id"] for step in steps],
        )
        # The runner passes a missing required input as "" (it only warns).
        contexts.inputs = {
            name: given.get(name, evaluate(str(spec.get("default", "")), contexts))
            for name, spec in declared.items()
        }
        runs: list[StepRun] = []
        log: list[str] = []
        for step in steps:
            ran = self._step(step, contexts)
            runs.append(ran[0])
            log.append(ran[1])
            contexts.steps[step["id"]] = ran[0].outputs
            if ran[0].status != 0 or step["id"] == until:
                break
        outputs = {
            name: evaluate(spec["value"], contexts)
            for name, spec in self.action.get("outputs", {}).items()
        }
        return ActionRun(runs, "".join(log), outputs, len(steps))

    def _step(self, step: dict[str, Any], contexts: Contexts) -> tuple[StepRun, str]:
        assert set(step) <= STEP_KEYS, f"step keys this runner does not handle: {set(step)}"
        assert step["shell"] == "bash"
        files = self.workspace.parent / f"files-{uuid.uuid4().hex}"
        files.mkdir()
        paths = {name: files / name for name in ("output", "summary", "env")}
        for path in paths.values():
            path.touch()
        script = files / "step.sh"
        script.write_text(step["run"])
        env = {
            **self.env,
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_ACTION_PATH": str(ACTION_DIR),
            "RUNNER_TEMP": str(self.runner_temp),
            "GITHUB_OUTPUT": str(paths["output"]),
            "GITHUB_STEP_SUMMARY": str(paths["summary"]),
            "GITHUB_ENV": str(paths["env"]),
            **{k: evaluate(str(v), contexts) for k, v in step.get("env", {}).items()},
        }
        with subprocess.Popen(
            [*BASH, str(script)],
            cwd=self.workspace,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        ) as process:
            guard = threading.Timer(STEP_GUARD_SECONDS, process.kill)
            guard.start()
            with self._lock:
                self._current = (step["id"], process)
            lines: list[str] = []
            assert process.stdout is not None
            try:
                for raw in iter(process.stdout.readline, b""):
                    line = raw.decode("utf-8", errors="replace")
                    lines.append(line)
                    with self._lock:
                        self._log.append(line)
                status = process.wait()
            finally:
                guard.cancel()
                with self._lock:
                    self._current = None
        log = "".join(lines)
        return (
            StepRun(
                id=step["id"],
                status=status,
                outputs=read_outputs(paths["output"].read_text()),
                summary=paths["summary"].read_text(),
                env_file=paths["env"].read_text(),
            ),
            log,
        )


# --- fixtures --------------------------------------------------------------------------


def sdk_version() -> str:
    version: str = tomllib.loads((SDK_DIR / "pyproject.toml").read_text())["project"]["version"]
    return version


def repack(name: str, into: Path) -> Path:
    """The installed distribution ``name`` as a wheel, for pip to install offline."""
    dist = importlib.metadata.distribution(name)
    assert dist.files is not None
    info = next(f.parts[0] for f in dist.files if f.parts[0].endswith(".dist-info"))
    wheel_text = dist.read_text("WHEEL") or ""
    tag = next(line.split(":", 1)[1].strip() for line in wheel_text.splitlines() if "Tag:" in line)
    wheel = into / f"{name}-{dist.version}-{tag}.whl"
    skipped = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
    rows = []
    with zipfile.ZipFile(wheel, "w") as archive:
        for file in dist.files:
            if file.parts[0] == ".." or "__pycache__" in file.parts or file.name in skipped:
                continue
            data = Path(str(dist.locate_file(file))).read_bytes()
            archive.writestr(file.as_posix(), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            rows.append(f"{file.as_posix()},sha256={digest.decode()},{len(data)}")
        rows.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\n".join(rows) + "\n")
    return wheel


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    into = tmp_path_factory.mktemp("wheelhouse")
    subprocess.run(
        [*PIP_WHEEL, "--wheel-dir", str(into), str(SDK_DIR)],
        check=True,
        timeout=STEP_GUARD_SECONDS,
    )
    repack("websockets", into)
    return into


@pytest.fixture(scope="session")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RUNNER_TEMP for every test, as for the steps of one job that uses the action
    many times (each use makes its own virtual environment in it)."""
    return tmp_path_factory.mktemp("runner-temp")


@pytest.fixture
def runner(tmp_path: Path, runner_temp: Path, wheelhouse: Path) -> ActionRunner:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    private = ("INPUT_", "EXPACTI_", "GITHUB_", "RUNNER_", "PIP_", "PYTHON", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(private)}
    env.update(JOB)
    env.update(
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return ActionRunner(workspace, runner_temp, env)


def inputs(server: ServerProcess, token: str, command: str, **more: str) -> dict[str, str]:
    # The interpreter the websockets wheel was repacked from; the default is python3.
    return {
        "command": command,
        "backend_url": server.http_url,
        "shell_token": token,
        "python": sys.executable,
        **more,
    }


async def start(runner: ActionRunner, **given: str) -> asyncio.Task[ActionRun]:
    return asyncio.create_task(asyncio.to_thread(runner.run, **given))


async def pending(
    http: httpx.AsyncClient, org: OrgTokens, command: str, action: asyncio.Task[ActionRun]
) -> str:
    """The id of ``command`` once the action submitted it (after installing the agent)."""
    while not action.done():
        response = await http.get(
            "/api/v1/commands", params={"status": "pending"}, headers=org.reviewer_headers()
        )
        for item in response.json()["items"]:
            if item["command"] == command:
                return str(item["id"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"the action ended before {command!r} was pending:\n{action.result().log}")


async def logged(runner: ActionRunner, text: str, action: asyncio.Task[ActionRun]) -> None:
    """Wait until ``text`` is in the log (the command's output reached the step's log)."""
    while not action.done():
        if text in runner.log_so_far():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the action ended before {text!r} was logged:\n{action.result().log}")


async def status_of(http: httpx.AsyncClient, org: OrgTokens, command_id: str) -> str:
    """The command's status once it is no longer pending."""
    async with asyncio.timeout(STEP_GUARD_SECONDS):
        while True:
            url = f"/api/v1/commands/{command_id}"
            status = str((await http.get(url, headers=org.reviewer_headers())).json()["status"])
            if status != "pending":
                return status
            await asyncio.sleep(0.05)


def token_only_masked(run: ActionRun, token: str) -> bool:
    """The token is in the log once: in the ``::add-mask::`` line, the first of all."""
    lines = run.log.splitlines()
    return lines[0] == f"::add-mask::{token}" and token not in run.log.replace(lines[0], "", 1)


# --- action.yml ------------------------------------------------------------------------


def test_action_yml_is_a_composite_action_that_never_expands_inputs_in_a_script() -> None:
    action = load_action()
    assert set(action) <= {"name", "description", "author", "branding", "inputs", "outputs", "runs"}
    assert action["name"]
    assert 0 < len(action["description"]) <= 125
    assert action["branding"]["color"] in COLORS
    assert re.fullmatch(r"[a-z0-9-]+", action["branding"]["icon"])
    inputs_ = action["inputs"]
    for name in ("command", "backend_url", "shell_token"):
        assert inputs_[name]["required"] is True
    assert inputs_["timeout"]["default"] == "600"
    assert inputs_["package"]["default"] == f"expacti=={sdk_version()}"
    assert all(spec["description"] for spec in inputs_.values())

    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    contexts = Contexts(
        inputs=dict.fromkeys(inputs_, "x"),
        action_path="/a",
        runner_temp="/t",
        step_ids=[step["id"] for step in steps],
    )
    used: set[str] = set()
    for step in steps:
        assert set(step) <= STEP_KEYS
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], f"an expression in the script of {step['id']}"
        for value in step.get("env", {}).values():
            evaluate(str(value), contexts)
            used.update(re.findall(r"inputs\.(\w+)", str(value)))
        for script in re.findall(r'\$ACTION_PATH/([\w.]+)"', step["run"]):
            assert (ACTION_DIR / script).is_file()
    assert used == set(inputs_), f"inputs no step uses: {set(inputs_) - used}"
    for spec in action["outputs"].values():
        assert spec["description"]
        assert re.fullmatch(r"\$\{\{ steps\.gate\.outputs\.\w+ \}\}", spec["value"])
        evaluate(spec["value"], contexts)


def test_the_timeout_ceiling_is_the_sdks() -> None:
    # The check step runs before the SDK is installed, so it keeps its own copy.
    assert action_module("_inputs").MAX_TIMEOUT == MAX_TIMEOUT_SECONDS


@pytest.mark.parametrize("name", ["gate.py", "_inputs.py", "_workflow.py"])
def test_the_check_steps_code_is_python_37_syntax(name: str) -> None:
    """The check step runs on the runner's python3, which says clearly that it is too old
    (3.7 to 3.10) instead of failing with a SyntaxError."""
    ast.parse((ACTION_DIR / name).read_text(), name, feature_version=(3, 7))


# --- inputs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"command": ""}, "the command input is required"),
        ({"command": "  \n"}, "the command input is required"),
        ({"backend_url": "ftp://expacti.example.com"}, "backend_url input must be"),
        ({"backend_url": "https://u:p@expacti.example.com"}, "user name or password"),
        ({"backend_url": ""}, "the backend_url input is required"),
        ({"shell_token": ""}, "the shell_token input is required"),
        ({"shell_token": "two words"}, "whitespace"),
        ({"timeout": "0"}, "more than 0 and at most 600"),
        ({"timeout": "601"}, "more than 0 and at most 600"),
        ({"timeout": "soon"}, "not a number of seconds"),
        ({"target": "x" * 256}, "at most 255 characters"),
        ({"package": "-r requirements.txt"}, "not an option"),
        ({"python": "no-such-python3"}, "names no interpreter"),
    ],
)
def test_an_invalid_input_fails_the_first_step(
    runner: ActionRunner, given: dict[str, str], message: str
) -> None:
    valid = {
        "command": "make deploy",
        "backend_url": "https://expacti.example.com",
        "shell_token": "agent-token",
        "python": sys.executable,
    }
    run = runner.run(**{**valid, **given})
    assert [step.id for step in run.steps] == ["check"]
    assert (run.succeeded, run.status) == (False, 2)
    assert any(message in error for error in run.annotations("error")), run.log
    assert "### expacti: invalid input" in run.summary
    assert run.outputs["decision"] == ""


def test_a_package_pip_cannot_install_fails_the_install_step(runner: ActionRunner) -> None:
    run = runner.run(
        command="make deploy",
        backend_url="https://expacti.example.com",
        shell_token="agent-token",
        python=sys.executable,
        package="expacti==99.0",
    )
    assert [step.id for step in run.steps] == ["check", "install"]
    assert (run.succeeded, run.status) == (False, 125)
    assert run.annotations("error") == ["could not install expacti==99.0 (see the log above)"]
    assert "### expacti: failed" in run.summary


def test_every_use_installs_into_a_new_virtual_environment(runner: ActionRunner) -> None:
    given = {
        "command": "make deploy",
        "backend_url": "https://expacti.example.com",
        "shell_token": "agent-token",
        "python": sys.executable,
    }
    first, second = (runner.run(until="install", **given) for _ in range(2))
    pythons = [Path(run.steps[-1].outputs["python"]) for run in (first, second)]
    assert [run.steps[-1].status for run in (first, second)] == [0, 0]
    assert pythons[0] != pythons[1]
    assert all(p.is_file() and runner.runner_temp in p.parents for p in pythons)


def test_a_python_without_pip_gets_a_venv_with_its_own(
    runner: ActionRunner, tmp_path: Path
) -> None:
    """The runner's pip installs into a bare venv; without one, the venv seeds its own pip."""
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    run = runner.run(
        until="install",
        command="make deploy",
        backend_url="https://expacti.example.com",
        shell_token="agent-token",
        python=str(bare / "bin" / "python"),
    )
    assert run.steps[-1].status == 0, run.log
    python = run.steps[-1].outputs["python"]
    pip = subprocess.run([python, "-m", "pip", "--version"], capture_output=True, check=False)
    assert pip.returncode == 0  # seeded: the bare interpreter had no pip to lend
    imported = subprocess.run([python, "-c", "import expacti"], check=False)
    assert imported.returncode == 0


def test_the_runners_pip_installs_into_a_bare_venv(runner: ActionRunner) -> None:
    run = runner.run(
        until="install",
        command="make deploy",
        backend_url="https://expacti.example.com",
        shell_token="agent-token",
        python=sys.executable,
    )
    assert run.steps[-1].status == 0, run.log
    python = run.steps[-1].outputs["python"]
    pip = subprocess.run([python, "-m", "pip", "--version"], capture_output=True, check=False)
    assert pip.returncode != 0  # no pip of its own: the runner's installed into it
    assert subprocess.run([python, "-c", "import expacti"], check=False).returncode == 0


def wheel_url(path: Path, digest: str) -> str:
    return f"{path.as_uri()}#sha256={digest}"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("expacti_hash", "websockets_hash", "installed"),
    [("right", "right", True), ("wrong", "right", False), ("right", "wrong", False)],
)
def test_package_can_be_a_hash_pinned_wheel_with_hash_pinned_dependencies(
    runner: ActionRunner,
    wheelhouse: Path,
    expacti_hash: str,
    websockets_hash: str,
    installed: bool,
) -> None:
    """What docs/integrations/github-action.md recommends over a bare name from PyPI."""
    digests = {
        name: sha256(wheel) if right == "right" else "0" * 64
        for name, right, wheel in (
            ("expacti", expacti_hash, next(wheelhouse.glob("expacti-*.whl"))),
            ("websockets", websockets_hash, next(wheelhouse.glob("websockets-*.whl"))),
        )
    }
    websockets = importlib.metadata.version("websockets")
    dependencies = runner.workspace / ".github" / "expacti-requirements.txt"
    dependencies.parent.mkdir()
    dependencies.write_text(f"websockets=={websockets} --hash=sha256:{digests['websockets']}\n")
    # The step's env: in a workflow; relative to the workspace, as the doc shows it.
    runner.env["PIP_REQUIREMENT"] = ".github/expacti-requirements.txt"
    package = f"expacti @ {wheel_url(next(wheelhouse.glob('expacti-*.whl')), digests['expacti'])}"
    run = runner.run(
        until="install",
        command="make deploy",
        backend_url="https://expacti.example.com",
        shell_token="agent-token",
        python=sys.executable,
        package=package,
    )
    assert (run.steps[-1].id, run.steps[-1].status == 0) == ("install", installed), run.log
    if not installed:
        assert run.status == 125
        assert "Expected sha256 " + "0" * 64 in run.log
        assert run.annotations("error") == [f"could not install {package} (see the log above)"]


def test_package_can_be_a_wheel_in_the_workspace(runner: ActionRunner, wheelhouse: Path) -> None:
    wheel = next(wheelhouse.glob("expacti-*.whl"))
    (runner.workspace / "dist").mkdir()
    shutil.copy(wheel, runner.workspace / "dist")
    run = runner.run(
        until="install",
        command="make deploy",
        backend_url="https://expacti.example.com",
        shell_token="agent-token",
        python=sys.executable,
        package=f"dist/{wheel.name}",
    )
    assert run.steps[-1].status == 0, run.log
    python = run.steps[-1].outputs["python"]
    shown = subprocess.run(
        [python, "-c", "import expacti; print(expacti.__version__)"],
        capture_output=True,
        text=True,
        check=True,
        timeout=STEP_GUARD_SECONDS,
    )
    assert shown.stdout.strip() == sdk_version()


@pytest.mark.parametrize(
    ("backend_url", "websocket_url", "warned"),
    [
        ("https://expacti.example.com", "wss://expacti.example.com/shell/ws", False),
        ("https://example.com/expacti/", "wss://example.com/expacti/shell/ws", False),
        ("wss://expacti.example.com/shell/ws", "wss://expacti.example.com/shell/ws", False),
        ("http://127.0.0.1:3001", "ws://127.0.0.1:3001/shell/ws", False),
        ("http://expacti.internal:3001", "ws://expacti.internal:3001/shell/ws", True),
    ],
)
def test_backend_url_is_the_base_or_the_websocket_url(
    runner: ActionRunner, backend_url: str, websocket_url: str, warned: bool
) -> None:
    run = runner.run(
        until="check",
        command="make deploy",
        backend_url=backend_url,
        shell_token="agent-token",
        python=sys.executable,
    )
    assert run.steps[0].status == 0, run.log
    assert run.steps[0].outputs["url"] == websocket_url
    assert bool(run.annotations("warning")) is warned


# --- against the server ----------------------------------------------------------------


async def test_approved_the_step_runs_the_command_and_reports(
    runner: ActionRunner, server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    command = "echo deploying v1 && env > job-env.txt && echo v1 > deployed.txt"
    action = await start(runner, **inputs(server, org.agent_token, command, target="prod"))
    command_id = await pending(http, org, command, action)
    assert not (runner.workspace / "deployed.txt").exists()  # blocked, waiting for a human
    shown = await http.get(f"/api/v1/commands/{command_id}", headers=org.reviewer_headers())
    github = shown.json()["context"]["github"]
    assert (github["repository"], github["actor"]) == ("octo/app", "octocat")
    assert github["run_url"] == "https://github.com/octo/app/actions/runs/4242"
    assert shown.json()["target"] == "prod"
    await http.post(
        f"/api/v1/commands/{command_id}/approve",
        json={"note": "go ahead"},
        headers=org.reviewer_headers(),
    )
    run = await action

    assert run.succeeded, run.log
    assert "deploying v1" in run.log
    assert (runner.workspace / "deployed.txt").read_text() == "v1\n"
    assert run.outputs == {
        "decision": "approved",
        "command_id": command_id,
        "reviewer": "alice",
        "approved_command": command,
        "exit_code": "0",
    }
    assert "### expacti: approved" in run.summary
    assert "- **Reviewer:** alice" in run.summary
    assert "- **Reason:** go ahead" in run.summary
    assert "- **Latency:**" in run.summary
    assert f"```sh\n{command}\n```" in run.summary
    assert run.annotations("error") == []
    # The token reaches neither the log (but masked) nor the command; the job's env does.
    assert token_only_masked(run, org.agent_token)
    job_env = (runner.workspace / "job-env.txt").read_text()
    assert org.agent_token not in job_env
    assert "INPUT_COMMAND" not in job_env
    assert "GITHUB_REPOSITORY=octo/app" in job_env
    assert all(step.env_file == "" for step in run.steps)  # the job's env is left alone


async def test_denied_the_step_fails_with_the_reason_and_the_command_does_not_run(
    runner: ActionRunner, server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    command = "touch deployed.txt"
    action = await start(runner, **inputs(server, org.agent_token, command))
    command_id = await pending(http, org, command, action)
    note = "not on a Friday, see [the freeze](https://x.test)\n::warning::forged"
    await http.post(
        f"/api/v1/commands/{command_id}/deny", json={"note": note}, headers=org.reviewer_headers()
    )
    run = await action

    assert (run.succeeded, run.status) == (False, 126)
    assert not (runner.workspace / "deployed.txt").exists()
    assert run.annotations("error") == [f"denied by alice: {note}"]
    # A reviewer's note can neither forge a workflow command nor add a link to the summary.
    assert not any(line.startswith("::warning::") for line in run.log.splitlines())
    assert "### expacti: denied" in run.summary
    assert r"\[the freeze\]\(https\:\/\/x\.test\)" in run.summary
    assert "[the freeze](" not in run.summary
    assert run.outputs["decision"] == "denied"
    assert run.outputs["command_id"] == command_id
    assert (run.outputs["approved_command"], run.outputs["exit_code"]) == ("", "")


async def test_no_decision_in_time_the_step_fails_and_the_command_does_not_run(
    runner: ActionRunner, server: ServerProcess, org: OrgTokens
) -> None:
    run = await asyncio.to_thread(
        runner.run, **inputs(server, org.agent_token, "touch deployed.txt", timeout="1")
    )
    assert (run.succeeded, run.status) == (False, 124)
    assert not (runner.workspace / "deployed.txt").exists()
    assert [e.split(":")[0] for e in run.annotations("error")] == ["timed out"]
    assert "### expacti: timed out" in run.summary
    assert run.outputs["decision"] == "timed_out"


async def test_a_reviewers_edit_is_what_runs(
    runner: ActionRunner, server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    command = "echo original > ran.txt"
    edited = "echo edited > ran.txt"
    given = inputs(server, org.agent_token, command, backend_url=server.ws_url)
    action = await start(runner, **given)
    command_id = await pending(http, org, command, action)
    await http.post(
        f"/api/v1/commands/{command_id}/approve",
        json={"command": edited, "note": "write the other one"},
        headers=org.reviewer_headers(),
    )
    run = await action

    assert run.succeeded, run.log
    assert (runner.workspace / "ran.txt").read_text() == "edited\n"
    assert (run.outputs["approved_command"], run.outputs["decision"]) == (edited, "approved")
    assert run.annotations("notice") == ["alice edited the command before approving it; that runs"]
    assert f"Requested:\n\n```sh\n{command}\n```" in run.summary
    assert f"Ran, as edited by alice:\n\n```sh\n{edited}\n```" in run.summary


async def test_a_whitelisted_command_runs_at_once_and_its_failure_fails_the_step(
    runner: ActionRunner, server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    command = "echo checking; exit 3"
    created = await http.post(
        "/api/v1/whitelist",
        json={"pattern": command, "type": "exact"},
        headers=org.reviewer_headers(),
    )
    assert created.status_code == 201, created.text
    run = await asyncio.to_thread(runner.run, **inputs(server, org.agent_token, command))

    assert (run.succeeded, run.status) == (False, 3)
    assert "checking" in run.log
    assert run.annotations("error") == ["the command exited with status 3"]
    assert run.outputs["decision"] == "approved"
    assert run.outputs["reviewer"] == ""
    assert run.outputs["exit_code"] == "3"
    assert "- **Decision:** approved \\(whitelisted\\)" in run.summary


async def test_a_refused_token_fails_the_step_and_nothing_is_pending(
    runner: ActionRunner, server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    run = await asyncio.to_thread(
        runner.run, **inputs(server, "not-an-agent-token", "touch deployed.txt")
    )
    assert (run.succeeded, run.status) == (False, 125)
    assert [e.split(" (")[0] for e in run.annotations("error")] == ["the server refused the token"]
    assert token_only_masked(run, "not-an-agent-token")
    assert "### expacti: failed" in run.summary
    assert run.outputs["decision"] == "error"
    assert not (runner.workspace / "deployed.txt").exists()
    listing = await http.get("/api/v1/commands", headers=org.reviewer_headers())
    assert listing.json()["items"] == []


async def test_the_token_is_in_no_environment_the_command_can_read(
    runner: ActionRunner, server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    """Not in the command's, nor in the gate's (its parent's) or any other process's: every
    process of the job's user can read the others' initial environment in /proc."""
    if not Path("/proc/self/environ").exists():
        pytest.skip("needs /proc")
    command = (
        "env > own-env.txt && tr '\\0' '\\n' < /proc/$PPID/environ > gate-env.txt && "
        "for f in /proc/[0-9]*/environ; do cat $f 2>/dev/null || :; done > all-env.txt"
    )
    action = await start(runner, **inputs(server, org.agent_token, command))
    command_id = await pending(http, org, command, action)
    await http.post(f"/api/v1/commands/{command_id}/approve", headers=org.reviewer_headers())
    run = await action
    assert run.succeeded, run.log
    gate_env = (runner.workspace / "gate-env.txt").read_text()
    assert f"EXPACTI_URL={server.ws_url}" in gate_env.splitlines()  # read, and the gate's
    for name in ("own-env.txt", "gate-env.txt", "all-env.txt"):
        assert org.agent_token not in (runner.workspace / name).read_text(), name


async def test_a_command_with_shell_syntax_reaches_reviewers_verbatim_and_nothing_runs(
    runner: ActionRunner, server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    """Each line would run something if any step's script expanded the input, or if the
    check or install steps passed it to a shell; the last would be a workflow command if
    the log printed it as it is."""
    command = (
        "echo $(touch pwned-substitution) `touch pwned-backticks`\n"
        "echo '; touch pwned-quote #'\n"
        '"; touch pwned-double-quote; echo "\n'
        "::warning title=forged::from the command"
    )
    action = await start(runner, **inputs(server, org.agent_token, command))
    command_id = await pending(http, org, command, action)  # the exact text is pending
    await http.post(
        f"/api/v1/commands/{command_id}/deny", json={"note": "no"}, headers=org.reviewer_headers()
    )
    run = await action

    assert (run.succeeded, run.status) == (False, 126)
    assert list(runner.workspace.iterdir()) == []
    assert "".join(f"> {line}\n" for line in command.splitlines()) in run.log
    assert not any(line.startswith("::warning") for line in run.log.splitlines())
    assert run.annotations("warning") == []
    assert f"```sh\n{command}\n```" in run.summary


async def test_a_cancelled_job_cancels_the_waiting_command_on_the_server(
    runner: ActionRunner, server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    command = "touch deployed.txt"
    action = await start(runner, **inputs(server, org.agent_token, command))
    command_id = await pending(http, org, command, action)
    runner.signal("gate", signal.SIGINT)  # how the runner cancels a job, first
    run = await action

    assert (run.succeeded, run.status) == (False, 130)
    assert await status_of(http, org, command_id) == "cancelled"
    assert not (runner.workspace / "deployed.txt").exists()
    assert run.annotations("error") == [
        "the job was cancelled before the command started: it did not run, and a request "
        "still waiting for a decision was cancelled"
    ]
    assert run.outputs["decision"] == "cancelled"
    assert (run.outputs["approved_command"], run.outputs["exit_code"]) == ("", "")
    assert "### expacti: cancelled" in run.summary
    # Nothing can approve it into running any more.
    late = await http.post(
        f"/api/v1/commands/{command_id}/approve", json={}, headers=org.reviewer_headers()
    )
    assert late.status_code == 409
    assert not (runner.workspace / "deployed.txt").exists()


@pytest.mark.parametrize(
    ("signum", "status"),
    [pytest.param(signal.SIGTERM, 7, id="SIGTERM"), pytest.param(signal.SIGINT, 8, id="SIGINT")],
)
async def test_a_cancelled_job_passes_the_signal_to_the_running_command(
    runner: ActionRunner,
    server: ServerProcess,
    org: OrgTokens,
    http: httpx.AsyncClient,
    signum: signal.Signals,
    status: int,
) -> None:
    # $((6 * 7)) ready: the log shows it as "42 ready" only once the command ran.
    command = (
        "trap 'echo stopping on TERM; exit 7' TERM; trap 'echo stopping on INT; exit 8' INT; "
        'echo "$((6 * 7)) ready"; while :; do sleep 1; done'
    )
    action = await start(runner, **inputs(server, org.agent_token, command))
    command_id = await pending(http, org, command, action)
    await http.post(f"/api/v1/commands/{command_id}/approve", headers=org.reviewer_headers())
    await logged(runner, "42 ready\n", action)
    runner.signal("gate", signum)
    run = await action

    assert (run.succeeded, run.status) == (False, status)
    assert f"stopping on {signum.name[3:]}\n" in run.log
    assert run.annotations("error") == [f"the command exited with status {status}"]
    assert (run.outputs["decision"], run.outputs["exit_code"]) == ("approved", str(status))


async def test_a_cancellation_after_the_command_exited_does_not_change_its_status(
    runner: ActionRunner, server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    """The command leaves a process behind that signals the gate once the command is gone,
    while the gate still reads what that process may print (the SDK's linger) or sends the
    recording's end: the command's status stays the step's."""
    # The HUP the terminal's session leader leaves behind at its exit is ignored from the
    # start: the process is sure to survive the command. The command reads its input first:
    # the gate closes it once it knows the command started, so the command cannot exit (and
    # the signal cannot come) before the gate knows it is running. A signal in that instant
    # is another case: the wait is cancelled, and the command just started is stopped.
    command = (
        "trap '' HUP; sh_pid=$$ gate=$PPID; read -r _; "
        "( while kill -0 $sh_pid 2>/dev/null; do sleep 0.01; done; "
        "kill -INT $gate; echo sent > signalled ) & "
        "echo done"
    )
    created = await http.post(
        "/api/v1/whitelist",
        json={"pattern": command, "type": "exact"},
        headers=org.reviewer_headers(),
    )
    assert created.status_code == 201, created.text
    run = await asyncio.to_thread(runner.run, **inputs(server, org.agent_token, command))
    async with asyncio.timeout(STEP_GUARD_SECONDS):
        while not (runner.workspace / "signalled").exists():  # the signal was sent
            await asyncio.sleep(0.05)

    assert run.succeeded, run.log
    assert (run.outputs["decision"], run.outputs["exit_code"]) == ("approved", "0")
    assert run.annotations("error") == []
