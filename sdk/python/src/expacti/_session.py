"""Sessions: a goal, its steps, and the commands an agent runs towards it.

Reviewers see the goal, the steps and which one the agent is on beside every command of
the session (the submit's ``session`` object), and learn when it ended (``session_end``).
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

from ._decision import Decision
from ._execution import ExecutionResult, OutputCallback, StartCallback
from ._frames import SessionStatus
from ._pending import ProgressCallback

if TYPE_CHECKING:
    from ._async_client import AsyncExpactiClient
    from ._client import ExpactiClient

__all__ = ["AsyncSession", "Session"]

MAX_GOAL_CHARS: Final = 1000
MAX_STEPS: Final = 100

logger = logging.getLogger("expacti")


class _Plan:
    """What both session types share: the id, the goal, the steps and where the agent is."""

    def __init__(self, *, goal: str, steps: Sequence[str] | None) -> None:
        if not isinstance(goal, str) or not goal.strip() or len(goal) > MAX_GOAL_CHARS:
            raise ValueError(f"goal must be 1-{MAX_GOAL_CHARS} characters, not blank")
        if steps is not None:
            if isinstance(steps, str) or not all(
                isinstance(step, str) and step.strip() for step in steps
            ):
                raise ValueError("steps must be a list of non-blank strings")
            if not 0 < len(steps) <= MAX_STEPS:
                raise ValueError(f"steps must hold 1-{MAX_STEPS} steps")
            if len(set(steps)) != len(steps):
                raise ValueError("step names must be distinct, so that step=NAME is unambiguous")
        self._id = uuid.uuid4().hex
        self._goal = goal
        self._steps = None if steps is None else tuple(steps)
        self._current: int | None = None if steps is None else 0
        self._submitted = False  # the server learns of a session from its first submit
        self._ended = False

    @property
    def id(self) -> str:
        """The session's id, chosen here (uuid4 hex); the server keys the session by it."""
        return self._id

    @property
    def goal(self) -> str:
        """What the agent is working towards."""
        return self._goal

    @property
    def steps(self) -> tuple[str, ...] | None:
        """The planned steps, or None when the session was given none."""
        return self._steps

    @property
    def current_step(self) -> int | None:
        """The 0-based index of the step in progress (the earlier ones are done)."""
        return self._current

    def step(self, step: str | int) -> None:
        """Move to ``step`` (its name or 0-based index) without running anything.

        ValueError when the session has no steps, or no such step (naming them).
        """
        if self._steps is None:
            raise ValueError("this session was given no steps")
        if isinstance(step, bool) or not isinstance(step, str | int):
            raise ValueError(f"step must be a step name or an index, not {step!r}")
        if isinstance(step, int):
            if not 0 <= step < len(self._steps):
                raise ValueError(
                    f"no step {step}: the steps are 0-{len(self._steps) - 1} "
                    f"({', '.join(map(repr, self._steps))})"
                )
            self._current = step
            return
        try:
            self._current = self._steps.index(step)
        except ValueError:
            raise ValueError(
                f"no step named {step!r}; the steps are {', '.join(map(repr, self._steps))}"
            ) from None

    def _begin_run(self, step: str | int | None) -> dict[str, Any]:
        """Before a run: move to ``step``, and return the submit's ``session`` object."""
        if self._ended:
            raise RuntimeError(f"session {self._id} has ended")
        if step is not None:
            self.step(step)
        self._submitted = True  # from here on the submit may reach the server
        steps = None if self._steps is None else list(self._steps)
        return {"id": self._id, "goal": self._goal, "steps": steps, "current_step": self._current}

    def _end(self, exc_type: type[BaseException] | None) -> SessionStatus | None:
        """Mark the session ended; the status to send, or None if nothing need be sent."""
        already, self._ended = self._ended, True
        if already or not self._submitted:
            return None
        return "completed" if exc_type is None else "failed"


def _log_end_failure(session_id: str, status: SessionStatus, exc: Exception) -> None:
    logger.warning("could not tell the server session %s %s: %s", session_id, status, exc)


class AsyncSession(_Plan):
    """A session of an AsyncExpactiClient, from ``client.session(goal=..., steps=...)``.

    ::

        async with client.session(goal="deploy v2.3.1", steps=["build", "push"]) as s:
            await s.run("make build", step="build")
            s.step("push")
            await s.run("docker push registry/app:2.3.1")

    Every ``run()`` sends the session (id, goal, steps, current step) with its command.
    Leaving the ``async with`` block sends ``session_end``: ``completed``, or ``failed``
    when the block raised (a CommandDeniedException included). It is sent only if the
    session ran something, and a failure to send it is logged, never raised.
    """

    def __init__(
        self, client: AsyncExpactiClient, *, goal: str, steps: Sequence[str] | None
    ) -> None:
        super().__init__(goal=goal, steps=steps)
        self._client = client

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        status = self._end(exc_type)
        if status is None:
            return
        try:
            await self._client._send_session_end(self.id, status)
        except Exception as error:  # never hides the block's own exception
            _log_end_failure(self.id, status, error)

    async def run(
        self,
        command: str,
        *,
        step: str | int | None = None,
        target: str | None = None,
        timeout: float | None = None,
        context: Mapping[str, Any] | None = None,
        raise_on_deny: bool = True,
        encrypt: bool = False,
        label: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Decision:
        """``client.run()`` as part of this session; ``step`` (a name or index) moves first.

        Without ``step`` the command belongs to the current step.
        """
        session = self._begin_run(step)
        return await self._client.run(
            command,
            target=target,
            timeout=timeout,
            session=session,
            context=context,
            raise_on_deny=raise_on_deny,
            encrypt=encrypt,
            label=label,
            on_progress=on_progress,
        )

    async def execute(
        self,
        command: str,
        *,
        step: str | int | None = None,
        target: str | None = None,
        timeout: float | None = None,
        context: Mapping[str, Any] | None = None,
        raise_on_deny: bool = True,
        encrypt: bool = False,
        label: str | None = None,
        on_progress: ProgressCallback | None = None,
        cols: int | None = None,
        rows: int | None = None,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        input: str | bytes | None = None,
        on_output: OutputCallback | None = None,
        on_start: StartCallback | None = None,
        keep_output: bool = True,
    ) -> ExecutionResult:
        """``client.execute()`` as part of this session; ``step`` moves first, as in run().

        The server records the session's commands in one recording.
        """
        session = self._begin_run(step)
        return await self._client.execute(
            command,
            target=target,
            timeout=timeout,
            session=session,
            context=context,
            raise_on_deny=raise_on_deny,
            encrypt=encrypt,
            label=label,
            on_progress=on_progress,
            cols=cols,
            rows=rows,
            cwd=cwd,
            env=env,
            input=input,
            on_output=on_output,
            on_start=on_start,
            keep_output=keep_output,
        )


class Session(_Plan):
    """A session of an ExpactiClient, from ``client.session(goal=..., steps=...)``.

    ::

        with client.session(goal="deploy v2.3.1", steps=["build", "push"]) as s:
            s.run("make build", step="build")
            s.step("push")
            s.run("docker push registry/app:2.3.1")

    The blocking twin of AsyncSession, with the same rules.
    """

    def __init__(self, client: ExpactiClient, *, goal: str, steps: Sequence[str] | None) -> None:
        super().__init__(goal=goal, steps=steps)
        self._client = client

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        status = self._end(exc_type)
        if status is None:
            return
        try:
            self._client._send_session_end(self.id, status)
        except Exception as error:  # never hides the block's own exception
            _log_end_failure(self.id, status, error)

    def run(
        self,
        command: str,
        *,
        step: str | int | None = None,
        target: str | None = None,
        timeout: float | None = None,
        context: Mapping[str, Any] | None = None,
        raise_on_deny: bool = True,
        encrypt: bool = False,
        label: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Decision:
        """``client.run()`` as part of this session; ``step`` (a name or index) moves first.

        Without ``step`` the command belongs to the current step.
        """
        session = self._begin_run(step)
        return self._client.run(
            command,
            target=target,
            timeout=timeout,
            session=session,
            context=context,
            raise_on_deny=raise_on_deny,
            encrypt=encrypt,
            label=label,
            on_progress=on_progress,
        )

    def execute(
        self,
        command: str,
        *,
        step: str | int | None = None,
        target: str | None = None,
        timeout: float | None = None,
        context: Mapping[str, Any] | None = None,
        raise_on_deny: bool = True,
        encrypt: bool = False,
        label: str | None = None,
        on_progress: ProgressCallback | None = None,
        cols: int | None = None,
        rows: int | None = None,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        input: str | bytes | None = None,
        on_output: OutputCallback | None = None,
        on_start: StartCallback | None = None,
        keep_output: bool = True,
    ) -> ExecutionResult:
        """``client.execute()`` as part of this session; ``step`` moves first, as in run().

        The server records the session's commands in one recording.
        """
        session = self._begin_run(step)
        return self._client.execute(
            command,
            target=target,
            timeout=timeout,
            session=session,
            context=context,
            raise_on_deny=raise_on_deny,
            encrypt=encrypt,
            label=label,
            on_progress=on_progress,
            cols=cols,
            rows=rows,
            cwd=cwd,
            env=env,
            input=input,
            on_output=on_output,
            on_start=on_start,
            keep_output=keep_output,
        )
