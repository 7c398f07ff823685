"""Risk scoring: a hint for the human reviewer, never a gate.

Each rule is a plugin with one method, ``evaluate(parsed)``, that returns a
``RiskFinding`` or None. The built-in rules below use only public helpers
(``policy.words``), exactly as a third party would, and are registered in one
place: ``DEFAULT_RISK_RULES``.

The rules read the words of each part (``shlex``, so quoting is understood),
not raw substrings. They are heuristics: a miss or a false alarm changes the
score shown to a reviewer, not whether a human is asked.
"""

from __future__ import annotations

import itertools
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from expacti_server.policy.shell import ParsedCommand
from expacti_server.policy.words import command_words, programs, short_flags, words

__all__ = [
    "DEFAULT_RISK_RULES",
    "HIGH_RISK",
    "RiskAssessment",
    "RiskFinding",
    "RiskRule",
    "assess_risk",
]


# From this score up a command is "high risk": reviewers' screens ask for an
# extra confirmation and no broadened whitelist rule is suggested for it.
HIGH_RISK = 70


@dataclass(frozen=True, slots=True)
class RiskFinding:
    """One reason a command is risky."""

    code: str  # stable snake_case id, e.g. "recursive_delete"
    score: int  # 0..100
    reason: str  # one human sentence

    def __post_init__(self) -> None:
        if not 0 <= self.score <= 100:
            raise ValueError(f"risk score must be 0..100, got {self.score} from {self.code!r}")


class RiskRule(Protocol):
    """A risk plugin: a stable ``code`` and a pure ``evaluate``."""

    code: str

    def evaluate(self, parsed: ParsedCommand) -> RiskFinding | None: ...


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    """The findings, highest score first, and the score they add up to."""

    score: int
    anomalies: tuple[str, ...]
    findings: tuple[RiskFinding, ...]


# ---------------------------------------------------------------- built-in rules


class Unparseable:
    """The grammar could not parse the command."""

    code = "unparseable"

    def evaluate(self, parsed: ParsedCommand) -> RiskFinding | None:
        if parsed.parseable:
            return None
        return RiskFinding(
            self.code, 60, "The command could not be parsed, so its parts are unknown."
        )


_ROOT_OR_HOME = frozenset({"/", "~", "$HOME", "${HOME}"})


class RecursiveDelete:
    """``rm`` with -r/-R/-f; worse when aimed at / or the home folder."""

    code = "recursive_delete"
    _REASONS = {
        95: "Deletes recursively or by force from / or the home folder.",
        70: "Deletes files recursively or by force.",
    }

    def evaluate(self, parsed: ParsedCommand) -> RiskFinding | None:
        worst = max(map(_delete_score, parsed.parts), default=0)
        return RiskFinding(self.code, worst, self._REASONS[worst]) if worst else None


def _delete_score(part: str) -> int:
    cmd = command_words(part)
    if cmd[:1] != ("rm",):
        return 0
    args = cmd[1:]
    short = set(short_flags(args)) & set("rRf")
    long = {"--recursive", "--force"} & set(args)
    if not (short or long):
        return 0
    everything = "--no-preserve-root" in args or any(map(_is_root_or_home, args))
    return 95 if everything else 70


def _is_root_or_home(arg: str) -> bool:
    path = arg.removesuffix("*")  # "/*" and "~/*" empty the folder just the same
    path = posixpath.normpath(path) if path.startswith("/") else path.rstrip("/")
    return path in _ROOT_OR_HOME or path == "//"


_DOWNLOADERS = frozenset({"curl", "wget"})
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh"})


def _is_interpreter(name: str) -> bool:
    return name in _SHELLS or name.startswith("python")


class PipeToShell:
    """A download (curl, wget) fed to a shell or interpreter."""

    code = "pipe_to_shell"

    def evaluate(self, parsed: ParsedCommand) -> RiskFinding | None:
        # Parts carry no pipeline structure, so look for a download followed by an
        # interpreter, or an interpreter whose own text holds the download
        # (``bash <(curl ...)``, ``sh -c "$(curl ...)"``).
        downloads = [i for i, p in enumerate(parsed.parts) if _program(p) in _DOWNLOADERS]
        for i, part in enumerate(parsed.parts):
            if not _is_interpreter(_program(part)):
                continue
            if any(d < i or parsed.parts[d] in part for d in downloads):
                return RiskFinding(
                    self.code, 90, "Downloads code and runs it with a shell or interpreter."
                )
        return None


def _program(part: str) -> str:
    cmd = command_words(part)
    return cmd[0] if cmd else ""


class PrivilegeEscalation:
    """``sudo``, ``su``, ``doas`` or ``pkexec``."""

    code = "privilege_escalation"
    _ESCALATORS = frozenset({"sudo", "su", "doas", "pkexec"})

    def evaluate(self, parsed: ParsedCommand) -> RiskFinding | None:
        for part in parsed.parts:
            if self._ESCALATORS & set(programs(part)):
                return RiskFinding(self.code, 50, "Runs a command with another user's privileges.")
        return None


class DiskDestruction:
    """``mkfs``, ``dd of=/dev/...``, ``shred`` or ``wipefs``."""

    code = "disk_destruction"
    _WIPERS = frozenset({"shred", "wipefs"})
    _HARMLESS_DEVICES = frozenset({"of=/dev/null", "of=/dev/stdout", "of=/dev/stderr"})

    def evaluate(self, parsed: ParsedCommand) -> RiskFinding | None:
        for part in parsed.parts:
            cmd = command_words(part)
            name, args = (cmd[0], cmd[1:]) if cmd else ("", ())
            if name.startswith("mkfs") or name in self._WIPERS or (name == "dd" and self._dd(args)):
                return RiskFinding(self.code, 95, "Overwrites a disk, partition or file system.")
        return None

    def _dd(self, args: Sequence[str]) -> bool:
        return any(a.startswith("of=/dev/") and a not in self._HARMLESS_DEVICES for a in args)


_SYMBOLIC_MODE = re.compile(r"([ugoa]*)([+=])([rwxXst]*)")


class WorldWritable:
    """``chmod`` giving everyone write access (777, o+w, a+w)."""

    code = "world_writable"

    def evaluate(self, parsed: ParsedCommand) -> RiskFinding | None:
        for part in parsed.parts:
            cmd = command_words(part)
            if cmd[:1] == ("chmod",) and any(map(_world_writable_mode, cmd[1:])):
                return RiskFinding(self.code, 40, "Makes files writable by every user.")
        return None


def _world_writable_mode(arg: str) -> bool:
    if re.fullmatch(r"[0-7]{3,4}", arg):
        return bool(int(arg[-1]) & 2)  # the last digit is "others"; 2 is write
    for clause in arg.split(","):
        mode = _SYMBOLIC_MODE.fullmatch(clause)
        if mode and ("a" in mode[1] or "o" in mode[1]) and "w" in mode[3]:
            return True
    return False


class ForcePush:
    """``git push`` with --force, -f, --force-with-lease or a +refspec."""

    code = "force_push"

    def evaluate(self, parsed: ParsedCommand) -> RiskFinding | None:
        for part in parsed.parts:
            cmd = command_words(part)
            if cmd[:1] != ("git",) or "push" not in cmd:
                continue
            args = cmd[cmd.index("push") + 1 :]
            forced = "f" in short_flags(args) or any(a.startswith(("--force", "+")) for a in args)
            if forced:
                return RiskFinding(
                    self.code, 60, "Force-pushes, which can discard others' commits."
                )
        return None


_SQL_DESTRUCTION = re.compile(r"\b(DROP\s+(TABLE|DATABASE|SCHEMA)|TRUNCATE)\b", re.IGNORECASE)


class DestructiveInfra:
    """terraform destroy, kubectl delete, helm uninstall, SQL DROP TABLE / TRUNCATE..."""

    code = "destructive_infra"

    def evaluate(self, parsed: ParsedCommand) -> RiskFinding | None:
        if _SQL_DESTRUCTION.search(parsed.text) or any(map(_destroys_infra, parsed.parts)):
            return RiskFinding(self.code, 80, "Destroys infrastructure or database objects.")
        return None


def _destroys_infra(part: str) -> bool:
    cmd = command_words(part)
    name, args = (cmd[0], set(cmd[1:])) if cmd else ("", set())
    if name == "terraform":
        auto = any(a.lstrip("-").startswith("auto-approve") for a in args)
        return "destroy" in args or ("apply" in args and auto)
    if name == "kubectl":
        return "delete" in args
    return name == "helm" and bool({"uninstall", "delete"} & args)


_PROTECTED = ("/etc", "/boot", "/usr", "~/.ssh")
_HOME_SPELLINGS = ("$HOME", "${HOME}")


class SystemFileWrite:
    """Redirection or ``tee`` into /etc, /boot, /usr or ~/.ssh."""

    code = "system_file_write"

    def evaluate(self, parsed: ParsedCommand) -> RiskFinding | None:
        for part in parsed.parts:
            if any(map(_is_protected, _write_targets(part))):
                return RiskFinding(self.code, 70, "Writes into a system folder or ~/.ssh.")
        return None


def _write_targets(part: str) -> list[str]:
    """Files a part writes: targets of ``>``-style redirections, and of ``tee``."""
    ws = words(part)
    targets = [
        target
        for op, target in itertools.pairwise(ws)
        # ">", ">>", "&>", ">|", "<>"...; "2>&1" gives target "1", never a protected path.
        if ">" in op and set(op) <= set("<>&|")
    ]
    cmd = command_words(part)
    if cmd[:1] == ("tee",):
        targets += [a for a in cmd[1:] if not a.startswith("-")]
    return targets


def _is_protected(path: str) -> bool:
    for home in _HOME_SPELLINGS:
        if path == home or path.startswith(home + "/"):
            path = "~" + path.removeprefix(home)
    if path.startswith("/"):
        path = "/" + path.lstrip("/")  # Linux reads "//etc" as "/etc"
    path = posixpath.normpath(path)
    return any(path == p or path.startswith(p + "/") for p in _PROTECTED)


class DynamicExecution:
    """Command or process substitution, ``eval``, or ``sh -c``."""

    code = "dynamic_execution"

    def evaluate(self, parsed: ParsedCommand) -> RiskFinding | None:
        if parsed.substitution or any(map(_runs_a_string, parsed.parts)):
            return RiskFinding(self.code, 30, "Builds part of the command at run time.")
        return None


def _runs_a_string(part: str) -> bool:
    cmd = command_words(part)
    if not cmd:
        return False
    return cmd[0] == "eval" or (cmd[0] in _SHELLS and "c" in short_flags(cmd[1:]))


class ControlFlow:
    """Loops, conditions, case and function definitions."""

    code = "control_flow"

    def evaluate(self, parsed: ParsedCommand) -> RiskFinding | None:
        if not parsed.control_flow:
            return None
        return RiskFinding(self.code, 20, "Contains a loop, condition or function definition.")


# ---------------------------------------------------------------- registration

DEFAULT_RISK_RULES: tuple[RiskRule, ...] = (
    Unparseable(),
    RecursiveDelete(),
    PipeToShell(),
    PrivilegeEscalation(),
    DiskDestruction(),
    WorldWritable(),
    ForcePush(),
    DestructiveInfra(),
    SystemFileWrite(),
    DynamicExecution(),
    ControlFlow(),
)


def assess_risk(
    parsed: ParsedCommand, rules: Sequence[RiskRule] = DEFAULT_RISK_RULES
) -> RiskAssessment:
    """Run every rule; score = highest finding + 5 per further finding, at most 100."""
    found = [f for f in (rule.evaluate(parsed) for rule in rules) if f is not None]
    # A stable sort keeps the registration order among equal scores.
    found.sort(key=lambda finding: -finding.score)
    score = min(100, found[0].score + 5 * (len(found) - 1)) if found else 0
    return RiskAssessment(score, tuple(f.code for f in found), tuple(found))
