"""``destructive``: deletes or overwrites at scale."""

from __future__ import annotations

import re
from collections.abc import Callable

from expacti_server.policy.risk.interface import RiskContext, RiskFinding
from expacti_server.policy.risk.rules._args import command_of, operands
from expacti_server.policy.risk.rules._paths import is_root_or_home, is_under, write_targets
from expacti_server.policy.shell import ParsedCommand
from expacti_server.policy.words import short_flags

_SQL = re.compile(
    r"\b(DROP\s+(TABLE|DATABASE|SCHEMA)|TRUNCATE\s+(TABLE\s+)?[A-Za-z_\"`])", re.IGNORECASE
)
_WIPERS = frozenset({"shred", "wipefs"})
_HARMLESS_DEVICES = frozenset({"/dev/null", "/dev/zero", "/dev/stdout", "/dev/stderr"})
_SYSTEM_FOLDERS = ("/etc", "/boot", "/usr", "/bin", "/sbin", "/lib", "~/.ssh")
# git's own options that take a value, before the subcommand: git -C repo push.
_GIT_OPTIONS = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace"})

# (score, reason); (0, "") is no finding.
_Hit = tuple[int, str]
_NONE: _Hit = (0, "")


class Destructive:
    """rm -rf, mkfs, dd to a device, SQL DROP, terraform destroy, force-push, system writes."""

    id = "destructive"
    weight = 95
    contextual = False

    def evaluate(self, command: ParsedCommand, context: RiskContext) -> RiskFinding | None:
        hits = [
            (80, "Drops or truncates database objects.") if _SQL.search(command.text) else _NONE
        ]
        hits += [_part_hit(part) for part in dict.fromkeys(command.parts)]
        score, reason = max(hits, key=lambda hit: hit[0])
        return RiskFinding(self.id, score, reason) if score else None


def _part_hit(part: str) -> _Hit:
    cmd = command_of(part)
    name, args = (cmd[0], cmd[1:]) if cmd else ("", ())
    if name.startswith("mkfs") or name in _WIPERS:
        return (95, "Formats or wipes a disk, or shreds files beyond recovery.")
    check = _CHECKS.get(name)
    hit = check(args) if check else _NONE
    if hit[0] < 70 and any(is_under(t, _SYSTEM_FOLDERS) for t in write_targets(part)):
        return (70, "Writes into a system folder or ~/.ssh.")
    return hit


def _rm(args: tuple[str, ...]) -> _Hit:
    if not (set(short_flags(args)) & set("rRf") or {"--recursive", "--force"} & set(args)):
        return _NONE
    if "--no-preserve-root" in args or any(map(is_root_or_home, args)):
        return (95, "Deletes recursively or by force from / or the home folder.")
    return (70, "Deletes files recursively or by force.")


def _dd(args: tuple[str, ...]) -> _Hit:
    devices = [a.removeprefix("of=") for a in args if a.startswith("of=/dev/")]
    if any(d not in _HARMLESS_DEVICES for d in devices):
        return (95, "Writes raw data over a disk device.")
    return _NONE


def _terraform(args: tuple[str, ...]) -> _Hit:
    if "destroy" in args or ("apply" in args and "-destroy" in args):
        return (80, "Destroys infrastructure.")
    if "apply" in args and any(a.lstrip("-").startswith("auto-approve") for a in args):
        return (60, "Applies infrastructure changes without a review step.")
    return _NONE


def _kubectl(args: tuple[str, ...]) -> _Hit:
    return (80, "Deletes Kubernetes resources.") if "delete" in args else _NONE


def _helm(args: tuple[str, ...]) -> _Hit:
    return (80, "Uninstalls a Helm release.") if {"uninstall", "delete"} & set(args) else _NONE


def _git(args: tuple[str, ...]) -> _Hit:
    subcommand, rest = _git_subcommand(args)
    flags = short_flags(rest)
    if subcommand == "push":
        forced = "f" in flags or any(a.startswith(("--force", "+")) for a in rest)
        if forced or "--mirror" in rest:
            return (60, "Force-pushes, which can discard others' commits.")
    if subcommand == "reset" and "--hard" in rest:
        return (50, "Discards uncommitted changes (git reset --hard).")
    if subcommand == "clean" and ("f" in flags or "--force" in rest):
        return (50, "Deletes untracked files (git clean).")
    return _NONE


def _git_subcommand(args: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in _GIT_OPTIONS else 1
    return (args[i], args[i + 1 :]) if i < len(args) else ("", ())


def _find(args: tuple[str, ...]) -> _Hit:
    return (50, "Deletes every file a search finds.") if "-delete" in args else _NONE


def _drops_database(args: tuple[str, ...]) -> _Hit:
    return (80, "Drops a database.")


def _mysqladmin(args: tuple[str, ...]) -> _Hit:
    return _drops_database(args) if "drop" in operands(args)[:1] else _NONE


_CHECKS: dict[str, Callable[[tuple[str, ...]], _Hit]] = {
    "rm": _rm,
    "dd": _dd,
    "terraform": _terraform,
    "tofu": _terraform,
    "kubectl": _kubectl,
    "helm": _helm,
    "git": _git,
    "find": _find,
    "dropdb": _drops_database,
    "mysqladmin": _mysqladmin,
}
