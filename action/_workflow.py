"""What the GitHub Actions runner reads from a step: workflow commands on stdout, the
output and summary files, and the Markdown of the summary.

Kept to syntax Python 3.7 parses: the check step runs on whatever ``python3`` the runner
has, so that an old one gets a clear message instead of a SyntaxError.
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from collections.abc import Mapping

__all__ = [
    "annotate",
    "append_summary",
    "code_block",
    "emit",
    "markdown_text",
    "set_outputs",
]

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def emit(text: str) -> None:
    """Write ``text`` to the log now, so it lands before the command's own output."""
    sys.stdout.write(text)
    sys.stdout.flush()


def annotate(level: str, message: str) -> None:
    """Print an ``::error::``, ``::warning::`` or ``::notice::`` titled "expacti"."""
    emit(f"::{level} title=expacti::{_escape_data(message)}\n")


def set_outputs(values: Mapping[str, str]) -> None:
    """Append step outputs to ``$GITHUB_OUTPUT``; values may span lines."""
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as file:
        for name, value in values.items():
            # The heredoc form takes any value; a random delimiter cannot occur inside it.
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            file.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def append_summary(markdown: str) -> None:
    """Append Markdown to the step's summary (``$GITHUB_STEP_SUMMARY``)."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as file:
        file.write(markdown)


def markdown_text(text: str) -> str:
    """``text`` as literal Markdown on one line: a reviewer's note cannot add a link,
    an image or HTML to the summary."""
    one_line = " ".join(text.split())
    return _PUNCTUATION.sub(r"\\\1", one_line)


def code_block(text: str) -> str:
    """``text`` as a fenced code block, with a fence no line of it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}sh\n{text.rstrip(chr(10))}\n{fence}\n"


def _escape_data(text: str) -> str:
    # The runner unescapes these in a command's value; a raw newline would end the command
    # and let the rest of a reviewer's note be read as a workflow command of its own.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
