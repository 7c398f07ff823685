"""Paths as the rules compare them: ``$HOME`` read as ``~``, ``//etc/./x`` as ``/etc/x``."""

from __future__ import annotations

import itertools
import posixpath

from expacti_server.policy.risk.rules._args import command_of, operands
from expacti_server.policy.words import words

_HOME_SPELLINGS = ("$HOME", "${HOME}")
_ROOT_OR_HOME = frozenset({"/", "~"})


def normalise(path: str) -> str:
    """``path`` with ``$HOME`` as ``~``, repeated slashes and ``.``/``..`` resolved."""
    for home in _HOME_SPELLINGS:
        if path == home or path.startswith(home + "/"):
            path = "~" + path.removeprefix(home)
    if path.startswith("/"):
        path = "/" + path.lstrip("/")  # Linux reads "//etc" as "/etc"
    return posixpath.normpath(path) if path else path


def is_root_or_home(arg: str) -> bool:
    """``/``, ``~`` or ``$HOME``, also as ``/*``, ``~/`` or ``/tmp/..``."""
    path = arg.removesuffix("*")  # "/*" and "~/*" empty the folder just the same
    return bool(path) and normalise(path) in _ROOT_OR_HOME


def is_under(path: str, folders: tuple[str, ...]) -> bool:
    """Whether ``path`` is one of ``folders`` (normalised, e.g. "/etc") or inside one."""
    path = normalise(path)
    return any(path == folder or path.startswith(folder + "/") for folder in folders)


def write_targets(part: str) -> list[str]:
    """Files a part writes: targets of ``>``-style redirections and of ``tee``, and the
    destination of ``cp``, ``mv``, ``install`` and ``ln``."""
    ws = words(part)
    targets = [
        target
        for op, target in itertools.pairwise(ws)
        # ">", ">>", "&>", ">|", "<>"...; "2>&1" gives target "1", never a path.
        if ">" in op and set(op) <= set("<>&|")
    ]
    cmd = command_of(part)
    name, files = (cmd[0], operands(cmd[1:])) if cmd else ("", [])
    if name == "tee":
        targets += files
    elif name in {"cp", "mv", "install", "ln"} and len(files) >= 2:
        targets.append(files[-1])
    return targets
