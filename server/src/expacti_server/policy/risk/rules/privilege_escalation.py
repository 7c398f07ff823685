"""``privilege_escalation``: gains or hands out privileges."""

from __future__ import annotations

import re
from collections.abc import Callable

from expacti_server.policy.risk.interface import RiskContext, RiskFinding
from expacti_server.policy.risk.rules._args import command_of, operands, plain_args
from expacti_server.policy.risk.rules._paths import is_under, write_targets
from expacti_server.policy.shell import ParsedCommand
from expacti_server.policy.words import programs

_ESCALATORS = frozenset({"sudo", "su", "doas", "pkexec", "run0"})
_SYMBOLIC_MODE = re.compile(r"([ugoa]*)([+=])([rwxXst]*)")
_NUMERIC_MODE = re.compile(r"[0-7]{3,4}")
_SUDOERS = ("/etc/sudoers", "/etc/sudoers.d")
# Membership in these is root, or a step from it.
_ADMIN_GROUPS = frozenset({"sudo", "wheel", "admin", "root", "docker"})
_ROOT_OWNERS = frozenset({"root", "0"})
_DANGEROUS_CAPS = re.compile(r"cap_(setuid|setgid|sys_admin|dac_override|sys_ptrace)|^=ep$|all")

# (score, reason); (0, "") is no finding.
_Hit = tuple[int, str]
_NONE: _Hit = (0, "")
_SETUID: _Hit = (80, "Sets the setuid or setgid bit: the program runs with its owner's rights.")
_WORLD_WRITABLE: _Hit = (40, "Makes files writable by every user.")


class PrivilegeEscalation:
    """sudo, su, doas; setuid and world-writable modes; sudoers; admin groups."""

    id = "privilege_escalation"
    weight = 80
    contextual = False

    def evaluate(self, command: ParsedCommand, context: RiskContext) -> RiskFinding | None:
        hits = [_part_hit(part) for part in dict.fromkeys(command.parts)]
        score, reason = max(hits, key=lambda hit: hit[0], default=_NONE)
        return RiskFinding(self.id, score, reason) if score else None


def _part_hit(part: str) -> _Hit:
    if any(is_under(target, _SUDOERS) for target in write_targets(part)):
        return (80, "Writes the sudo rules.")
    cmd = command_of(part)
    check = _CHECKS.get(cmd[0]) if cmd else None
    hit = check(cmd[1:]) if check else _NONE
    if hit[0] < 50 and _ESCALATORS & set(programs(part)):
        return (50, "Runs a command as another user, usually root.")
    return hit


def _chmod(args: tuple[str, ...]) -> _Hit:
    mode = next(iter(operands(args)), "")  # chmod [options] MODE FILE...
    if _NUMERIC_MODE.fullmatch(mode):
        special = int(mode[0]) if len(mode) == 4 else 0
        if special & 0o6:  # 4 is setuid, 2 is setgid
            return _SETUID
        return _WORLD_WRITABLE if int(mode[-1]) & 2 else _NONE  # "others" may write
    hit = _NONE
    for clause in mode.split(","):
        found = _SYMBOLIC_MODE.fullmatch(clause)
        if found is None:
            continue
        who, perms = found[1], found[3]
        if "s" in perms:
            return _SETUID
        if "w" in perms and ("a" in who or "o" in who):
            hit = _WORLD_WRITABLE
    return hit


def _chown(args: tuple[str, ...]) -> _Hit:
    owner = next(iter(operands(args, frozenset({"--from", "--reference"}))), "")
    if owner.split(":")[0].split(".")[0] in _ROOT_OWNERS:
        return (40, "Gives files to root.")
    return _NONE


def _usermod(args: tuple[str, ...]) -> _Hit:
    plain = plain_args(args)
    groups: list[str] = []
    for i, arg in enumerate(plain):
        if arg.startswith("--groups="):
            groups += arg.removeprefix("--groups=").split(",")
        elif arg == "--groups" or (arg.startswith("-") and arg.endswith("G")):
            groups += plain[i + 1].split(",") if i + 1 < len(plain) else []
    return _admin_group(groups)


def _gpasswd(args: tuple[str, ...]) -> _Hit:
    # gpasswd -a USER GROUP
    if not {"-a", "--add"} & set(args):
        return _NONE
    return _admin_group(operands(args, frozenset({"-a", "-d", "-M", "-A", "--add", "--delete"})))


def _adduser(args: tuple[str, ...]) -> _Hit:
    # adduser USER GROUP (Debian), addgroup USER GROUP (BusyBox): the group comes second.
    names = operands(args)
    return _admin_group(names[1:]) if len(names) == 2 else _NONE


def _admin_group(groups: list[str]) -> _Hit:
    if _ADMIN_GROUPS & set(groups):
        return (80, "Adds a user to an admin group (sudo, wheel, admin, root or docker).")
    return _NONE


def _setcap(args: tuple[str, ...]) -> _Hit:
    if any(_DANGEROUS_CAPS.search(a) for a in plain_args(args)):
        return (70, "Grants a program root capabilities.")
    return _NONE


def _visudo(args: tuple[str, ...]) -> _Hit:
    return (70, "Edits the sudo rules.")


_CHECKS: dict[str, Callable[[tuple[str, ...]], _Hit]] = {
    "chmod": _chmod,
    "chown": _chown,
    "usermod": _usermod,
    "gpasswd": _gpasswd,
    "adduser": _adduser,
    "addgroup": _adduser,
    "setcap": _setcap,
    "visudo": _visudo,
}
