"""``secret_access``: reads credentials, keys or the environment."""

from __future__ import annotations

import itertools
import re

from expacti_server.policy.risk.interface import RiskContext, RiskFinding
from expacti_server.policy.risk.rules._args import command_of, operands, plain_args
from expacti_server.policy.risk.rules._paths import normalise, write_targets
from expacti_server.policy.shell import ParsedCommand
from expacti_server.policy.words import words

# (pattern on a normalised path, score, reason)
_SECRET_FILES: tuple[tuple[re.Pattern[str], int, str], ...] = (
    (re.compile(r"(^|/)\.ssh/(id_[^/]*(?<!\.pub)|\*)$"), 70, "Reads an SSH private key."),
    (re.compile(r"^/etc/ssh/ssh_host_[^/]*_key$"), 70, "Reads an SSH host key."),
    (
        re.compile(r"^/etc/(shadow|gshadow|master\.passwd|security/opasswd)-?$"),
        70,
        "Reads the system's password hashes.",
    ),
    (re.compile(r"(^|/)\.aws/credentials$"), 70, "Reads AWS credentials."),
    (
        re.compile(r"(^|/)\.config/gcloud/.*(credential|token)"),
        70,
        "Reads Google Cloud credentials.",
    ),
    (re.compile(r"(^|/)\.azure/.*(token|service_principal)", re.I), 70, "Reads Azure tokens."),
    (re.compile(r"(^|/)\.kube/config$"), 60, "Reads a Kubernetes config with cluster credentials."),
    (
        re.compile(r"(^|/)(\.netrc|\.pgpass|\.git-credentials|\.pypirc|\.npmrc|\.vault-token)$"),
        60,
        "Reads a file of saved passwords or tokens.",
    ),
    (re.compile(r"(^|/)\.docker/config\.json$"), 60, "Reads Docker registry credentials."),
    (
        re.compile(r"(^|/)\.env(\.(?!(example|sample|template|dist|defaults)$)[^/]+)?$"),
        50,
        "Reads a .env file, which usually holds secrets.",
    ),
    (re.compile(r"^/proc/[^/]+/environ$"), 50, "Reads a process's environment."),
)
# Programs that look at a file's name or metadata, not its contents.
_METADATA_ONLY = frozenset(
    {"ls", "stat", "test", "[", "mkdir", "touch", "chmod", "chown", "du", "echo", "printf"}
)
# SSH tools use a key without revealing it: ssh -i KEY, ssh-keygen -f KEY, ssh-add KEY.
_KEY_USERS = frozenset({"ssh", "scp", "sftp", "ssh-keygen", "ssh-copy-id", "ssh-add"})
_ENV_DUMPERS = frozenset({"printenv", "env", "set", "export", "declare"})

# Global options of kubectl and aws that take a value, before the verbs.
_TOOL_OPTIONS = frozenset(
    {"-n", "--namespace", "-o", "--output", "--context", "--profile", "--region"}
    | {"--endpoint-url", "--query"}
)
# Program -> the leading words of its commands that print a secret.
_SECRET_STORES: dict[str, tuple[tuple[str, ...], ...]] = {
    "vault": (("read",), ("kv", "get"), ("kv", "read")),
    "aws": (("secretsmanager", "get-secret-value"),),
    "gcloud": (("auth", "print-access-token"), ("secrets", "versions", "access")),
    "az": (("account", "get-access-token"), ("keyvault", "secret", "show")),
    "gh": (("auth", "token"),),
    "op": (("read",), ("item", "get")),
}


class SecretAccess:
    """SSH keys, .env files, /etc/shadow, cloud credentials, env dumps, secret stores."""

    id = "secret_access"
    weight = 70
    contextual = False

    def evaluate(self, command: ParsedCommand, context: RiskContext) -> RiskFinding | None:
        worst: tuple[int, str] = (0, "")
        for part in dict.fromkeys(command.parts):  # each distinct part once
            for found in (_secret_file(part), _secret_tool(part), _env_dump(part)):
                if found[0] > worst[0]:
                    worst = found
        score, reason = worst
        return RiskFinding(self.id, score, reason) if score else None


def _secret_file(part: str) -> tuple[int, str]:
    cmd = command_of(part)
    if not cmd or cmd[0] in _METADATA_ONLY:
        return (0, "")
    written = set(write_targets(part))
    paths = [
        normalise(w)
        for w in words(part)[1:]
        if ("/" in w or w.startswith(".")) and w not in written
    ]
    if cmd[0] in _KEY_USERS:
        used = _used_keys(cmd)
        paths = [p for p in paths if p not in used]
    best = (0, "")
    for path in paths:
        for pattern, score, reason in _SECRET_FILES:
            if score > best[0] and pattern.search(path):
                best = (score, reason)
    return best


def _used_keys(cmd: tuple[str, ...]) -> set[str]:
    args = plain_args(cmd[1:])
    if cmd[0] == "ssh-add":
        return {normalise(a) for a in args}
    keys = {normalise(b) for a, b in itertools.pairwise(args) if a in {"-i", "-f"}}
    keys |= {normalise(a.partition("=")[2]) for a in args if a.startswith("IdentityFile=")}
    return keys


def _secret_tool(part: str) -> tuple[int, str]:
    cmd = command_of(part)
    if not cmd:
        return (0, "")
    name, args = cmd[0], tuple(operands(cmd[1:], _TOOL_OPTIONS))
    if name == "kubectl" and args[:1] in {("get",), ("describe",)}:
        resource = args[1].split("/")[0] if len(args) > 1 else ""
        if resource in {"secret", "secrets"}:
            return (60, "Reads Kubernetes secrets.")
    if any(args[: len(verbs)] == verbs for verbs in _SECRET_STORES.get(name, ())):
        return (60, "Reads a secret from a secret store.")
    if name == "aws" and args[:1] == ("ssm",) and "--with-decryption" in cmd:
        return (60, "Reads a secret from a secret store.")
    if name == "security" and args[:1] in {("find-generic-password",), ("find-internet-password",)}:
        return (70, "Reads a password from the macOS keychain.")
    return (0, "")


def _env_dump(part: str) -> tuple[int, str]:
    cmd = command_of(part)
    if not cmd or cmd[0] not in _ENV_DUMPERS:
        return (0, "")
    name, args = cmd[0], plain_args(cmd[1:])
    dumps = (
        (name == "printenv" and not operands(args))
        or (name == "env" and not args)  # "env ls" runs ls: command_words skips env
        or (name == "set" and not args)
        or (name in {"export", "declare"} and args in (["-p"], ["-x"], ["-px"]))
    )
    return (40, "Prints every environment variable, secrets included.") if dumps else (0, "")
