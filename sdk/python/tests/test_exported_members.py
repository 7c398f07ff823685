"""The public API is exactly what __all__ says, sorted, and the version is pyproject's."""

from __future__ import annotations

import tomllib
from pathlib import Path

import expacti

PUBLIC = [
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


def test_all_is_pinned_and_sorted() -> None:
    assert expacti.__all__ == PUBLIC
    assert sorted(expacti.__all__) == expacti.__all__


def test_every_exported_member_exists_and_is_public_api() -> None:
    for name in expacti.__all__:
        member = getattr(expacti, name)
        if name != "__version__":
            assert member.__module__.startswith("expacti._"), name
            assert member.__doc__, f"{name} has no docstring"


def test_version_matches_pyproject() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert expacti.__version__ == pyproject["project"]["version"] == "0.1.0"


def test_only_dependency_is_websockets() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["dependencies"] == ["websockets>=13"]
