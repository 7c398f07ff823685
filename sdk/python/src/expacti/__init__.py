"""expacti: ask a human before an AI agent runs a command.

from expacti import ExpactiClient

client = ExpactiClient(url="ws://localhost:3001/shell/ws", token="demo-shell-token")
decision = client.run("terraform apply")  # blocks until a human decides
# run decision.command: a reviewer may have edited it (decision.edited)
result = client.execute("terraform apply")  # or: decide, run it in a PTY, record it
"""

import logging

from ._async_client import AsyncExpactiClient
from ._client import ExpactiClient
from ._decision import Decision
from ._errors import (
    CommandDeniedException,
    CommandTimeoutException,
    ExpactiAuthenticationError,
    ExpactiConnectionError,
    ExpactiEncryptionError,
    ExpactiError,
    ExpactiProtocolError,
)
from ._execution import Execution, ExecutionResult
from ._oversight import Oversight, WorkingHours
from ._progress import Progress
from ._session import AsyncSession, Session
from ._version import __version__

__all__ = [
    "AsyncExpactiClient",
    "AsyncSession",
    "CommandDeniedException",
    "CommandTimeoutException",
    "Decision",
    "Execution",
    "ExecutionResult",
    "ExpactiAuthenticationError",
    "ExpactiClient",
    "ExpactiConnectionError",
    "ExpactiEncryptionError",
    "ExpactiError",
    "ExpactiProtocolError",
    "Oversight",
    "Progress",
    "Session",
    "WorkingHours",
    "__version__",
]

# A library logs but never prints: without this, Python's last-resort handler would write
# warnings to stderr of every program (and the CLI) that did not configure logging.
logging.getLogger("expacti").addHandler(logging.NullHandler())
